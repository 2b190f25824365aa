#pragma once
// SHA-256 (FIPS 180-4) of the input files, recorded in every manifest so a result can be tied to the
// exact bytes it was computed from. Small enough to carry rather than depend on a crypto library.
#include <string>
#include <string_view>

namespace meb {

/// The lower-case hexadecimal SHA-256 digest of `data`.
[[nodiscard]] std::string sha256_hex(std::string_view data);

}  // namespace meb
