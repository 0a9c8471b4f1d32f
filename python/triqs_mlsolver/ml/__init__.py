"""Machine learning on top of the solvers: datasets as torch views, correction network, VAE (torch only here)."""
