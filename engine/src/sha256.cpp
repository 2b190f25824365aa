#include "meb/sha256.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define MEB_SHA256_X86 1
#endif

namespace meb {

namespace {
// FIPS 180-4, section 4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
constexpr std::array<std::uint32_t, 64> kRound = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

constexpr std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void compress(std::array<std::uint32_t, 8>& state, const unsigned char* block) {
  std::uint32_t w[64];
  for (int i = 0; i < 16; ++i)
    w[i] = (std::uint32_t{block[4 * i]} << 24) | (std::uint32_t{block[4 * i + 1]} << 16) |
           (std::uint32_t{block[4 * i + 2]} << 8) | std::uint32_t{block[4 * i + 3]};
  for (int i = 16; i < 64; ++i) {
    const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6],
                h = state[7];
  for (int i = 0; i < 64; ++i) {
    const std::uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    const std::uint32_t choose = (e & f) ^ (~e & g);
    const std::uint32_t t1 = h + s1 + choose + kRound[static_cast<std::size_t>(i)] + w[i];
    const std::uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    const std::uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
    const std::uint32_t t2 = s0 + majority;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state[0] += a; state[1] += b; state[2] += c; state[3] += d;
  state[4] += e; state[5] += f; state[6] += g; state[7] += h;
}

#if MEB_SHA256_X86
// The same compression with the x86 SHA extensions (Intel, "New Instructions Supporting the Secure Hash
// Algorithm on Intel Architecture Processors", 2013): four rounds per two instructions. Hashing every input
// for the manifest was half of `meb compute`'s instructions on large price files (docs/performance.md).
__attribute__((target("sha,ssse3,sse4.1"))) void compress_blocks_sha_ni(std::array<std::uint32_t, 8>& state,
                                                                        const unsigned char* data, std::size_t blocks) {
  const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  // The instructions keep the state as ABEF and CDGH.
  __m128i cdab = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(&state[0])), 0xB1);
  __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(&state[4])), 0x1B);
  __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
  __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
  for (std::size_t block = 0; block < blocks; ++block, data += 64) {
    const __m128i abef_before = abef;
    const __m128i cdgh_before = cdgh;
    __m128i w[16];  // the message schedule, four words per group
    for (int g = 0; g < 16; ++g) {
      if (g < 4) {
        w[g] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * g)), byte_swap);
      } else {
        // W[t] = σ1(W[t−2]) + W[t−7] + σ0(W[t−15]) + W[t−16] (FIPS 180-4, 6.2.2), four at a time.
        const __m128i w_minus_7 = _mm_alignr_epi8(w[g - 1], w[g - 2], 4);
        w[g] = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(w[g - 4], w[g - 3]), w_minus_7), w[g - 1]);
      }
      __m128i message =
          _mm_add_epi32(w[g], _mm_loadu_si128(reinterpret_cast<const __m128i*>(&kRound[static_cast<std::size_t>(4 * g)])));
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, message);
      message = _mm_shuffle_epi32(message, 0x0E);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, message);
    }
    abef = _mm_add_epi32(abef, abef_before);
    cdgh = _mm_add_epi32(cdgh, cdgh_before);
  }
  const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&state[0]), _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&state[4]), _mm_alignr_epi8(dchg, feba, 8));
}

bool cpu_has_sha_ni() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return false;
  const bool ssse3 = (ecx & (1u << 9)) != 0, sse41 = (ecx & (1u << 19)) != 0;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) return false;
  return ssse3 && sse41 && (ebx & (1u << 29)) != 0;  // CPUID.(EAX=7,ECX=0):EBX.SHA[bit 29]
}
#endif

void compress_blocks_portable(std::array<std::uint32_t, 8>& state, const unsigned char* data, std::size_t blocks) {
  for (std::size_t i = 0; i < blocks; ++i) compress(state, data + 64 * i);
}

using CompressBlocks = void (*)(std::array<std::uint32_t, 8>&, const unsigned char*, std::size_t);

CompressBlocks best_compress() {
#if MEB_SHA256_X86
  static const bool sha_ni = cpu_has_sha_ni();
  if (sha_ni) return compress_blocks_sha_ni;
#endif
  return compress_blocks_portable;
}

}  // namespace

/// The state of an incremental digest: the chaining words, the bytes of an unfinished block, the length.
struct Sha256::State {
  std::array<std::uint32_t, 8> words = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  unsigned char pending[64] = {};
  std::size_t pending_size = 0;
  std::uint64_t length = 0;
  CompressBlocks compress_blocks = compress_blocks_portable;
};

Sha256::Sha256() : state_(std::make_unique<State>()) { state_->compress_blocks = best_compress(); }
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::string_view data) {
  State& s = *state_;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t size = data.size();
  s.length += size;
  if (s.pending_size > 0) {
    const std::size_t take = std::min(size, 64 - s.pending_size);
    std::memcpy(s.pending + s.pending_size, bytes, take);
    s.pending_size += take;
    bytes += take;
    size -= take;
    if (s.pending_size < 64) return;
    s.compress_blocks(s.words, s.pending, 1);
    s.pending_size = 0;
  }
  const std::size_t blocks = size / 64;
  s.compress_blocks(s.words, bytes, blocks);
  s.pending_size = size - 64 * blocks;
  std::memcpy(s.pending, bytes + 64 * blocks, s.pending_size);
}

std::string Sha256::hex_digest() {
  State& s = *state_;
  // Padding: a 1 bit, zeros, and the message length in bits as a 64-bit big-endian number (FIPS 180-4, 5.1.1).
  unsigned char tail[128] = {};
  std::memcpy(tail, s.pending, s.pending_size);
  tail[s.pending_size] = 0x80;
  const std::size_t tail_size = s.pending_size + 1 + 8 <= 64 ? 64 : 128;
  const std::uint64_t bits = s.length * 8;
  for (int i = 0; i < 8; ++i) tail[tail_size - 1 - static_cast<std::size_t>(i)] = static_cast<unsigned char>(bits >> (8 * i));
  s.compress_blocks(s.words, tail, tail_size / 64);
  static const char* hex = "0123456789abcdef";
  std::string digest;
  for (std::uint32_t word : s.words)
    for (int shift = 28; shift >= 0; shift -= 4) digest.push_back(hex[(word >> shift) & 0xF]);
  state_ = std::make_unique<State>();
  state_->compress_blocks = best_compress();
  return digest;
}

std::string sha256_hex(std::string_view data) {
  Sha256 digest;
  digest.update(data);
  return digest.hex_digest();
}

namespace detail {
std::string sha256_hex_portable(std::string_view data) {
  Sha256 digest;
  digest.state_->compress_blocks = compress_blocks_portable;
  digest.update(data);
  std::string hex = digest.hex_digest();
  return hex;
}
bool sha256_uses_cpu_extensions() {
#if MEB_SHA256_X86
  return cpu_has_sha_ni();
#else
  return false;
#endif
}
}  // namespace detail

}  // namespace meb
