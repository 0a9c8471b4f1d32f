#pragma once
// Version string of the exact-diagonalization core.
namespace edcore {
const char *version();
}
