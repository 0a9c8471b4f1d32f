#include "edcore/version.hpp"

namespace edcore {
const char *version() { return "0.1.0"; }
}  // namespace edcore
