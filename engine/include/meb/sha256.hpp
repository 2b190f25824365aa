#pragma once
// SHA-256 (FIPS 180-4) of the input files, recorded in every manifest so a result can be tied to the
// exact bytes it was computed from. Small enough to carry rather than depend on a crypto library.
#include <memory>
#include <string>
#include <string_view>

namespace meb {
namespace detail {
[[nodiscard]] std::string sha256_hex_portable(std::string_view data);  // documented below
}  // namespace detail

/// The lower-case hexadecimal SHA-256 digest of `data`. Uses the CPU's SHA extensions when it has them
/// (x86 SHA-NI, checked once at run time), the portable implementation otherwise: the same digest.
[[nodiscard]] std::string sha256_hex(std::string_view data);

/// An incremental digest, for a file hashed chunk by chunk as it is read.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(std::string_view data);
  /// The digest of everything given so far; the object then starts over.
  [[nodiscard]] std::string hex_digest();

 private:
  struct State;
  std::unique_ptr<State> state_;
  friend std::string detail::sha256_hex_portable(std::string_view data);
};

namespace detail {
/// The portable implementation, whatever the CPU (tests compare it with sha256_hex).
[[nodiscard]] std::string sha256_hex_portable(std::string_view data);
/// Whether sha256_hex uses the CPU's SHA extensions on this machine.
[[nodiscard]] bool sha256_uses_cpu_extensions();
}  // namespace detail

}  // namespace meb
