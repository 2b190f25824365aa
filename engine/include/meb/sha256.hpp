#pragma once
// SHA-256 (FIPS 180-4) of the input files, recorded in every manifest so a result can be tied to the
// exact bytes it was computed from. Small enough to carry rather than depend on a crypto library.
#include <string>
#include <string_view>

namespace meb {

/// The lower-case hexadecimal SHA-256 digest of `data`. Uses the CPU's SHA extensions when it has them
/// (x86 SHA-NI, checked once at run time), the portable implementation otherwise: the same digest.
[[nodiscard]] std::string sha256_hex(std::string_view data);

namespace detail {
/// The portable implementation, whatever the CPU (tests compare it with sha256_hex).
[[nodiscard]] std::string sha256_hex_portable(std::string_view data);
/// Whether sha256_hex uses the CPU's SHA extensions on this machine.
[[nodiscard]] bool sha256_uses_cpu_extensions();
}  // namespace detail

}  // namespace meb
