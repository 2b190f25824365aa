#pragma once
// A whole file mapped read-only into memory (private to the engine), for the price reader's hot path: the
// bytes are read where the page cache holds them, without a copy, and the pages a reader has finished with are
// handed back, so the resident memory stays a few windows wide whatever the size of the file. A file truncated
// or rewritten by another program while mapped is noticed (changed()), not a SIGBUS that kills the process.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace meb::detail {

class MappedFile {
 public:
  /// The mapping of the regular file `path`; nothing when it cannot be mapped (not a regular file, such as a
  /// pipe, or an empty file, or mmap refused): the caller then reads it another way.
  [[nodiscard]] static std::optional<MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;

  [[nodiscard]] std::string_view bytes() const { return {data_, size_}; }

  /// Takes the whole pages inside bytes [from, to) out of this process's resident memory (madvise
  /// MADV_DONTNEED). Their bytes stay readable: a later read maps them again from the page cache.
  void release(std::size_t from, std::size_t to) const;

  /// True when another program changed the file while it was mapped: it was truncated and a read fell past
  /// its new end (that read saw zeros, which a SIGBUS handler put in place), or it was written in place (its
  /// size or modification time differ from when it was opened). The bytes read, and their digest, may then
  /// not be one version of the file.
  [[nodiscard]] bool changed() const;

 private:
  MappedFile(const char* data, std::size_t size, std::size_t slot) : data_(data), size_(size), slot_(slot) {}
  void unmap();
  const char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t slot_ = 0;  // in the registry the SIGBUS handler reads
  int descriptor_ = -1;
  std::int64_t modified_seconds_ = 0, modified_nanoseconds_ = 0;
};

/// Releases the pages of a mapped file behind one reader as it moves forward, a window at a time.
class PageRelease {
 public:
  /// `file` may be null (bytes that are not mapped: nothing to release).
  PageRelease(const MappedFile* file, std::size_t start, std::size_t window)
      : file_(file), released_(start), window_(window) {}
  /// The reader has finished with every byte before `position`.
  void reached(std::size_t position) {
    if (file_ == nullptr || position < released_ + window_) return;
    file_->release(released_, position);
    released_ = position;
  }
  /// The reader is done: everything up to `position` is released.
  void finish(std::size_t position) {
    if (file_ != nullptr && position > released_) file_->release(released_, position);
    released_ = position;
  }

 private:
  const MappedFile* file_;
  std::size_t released_;
  std::size_t window_;
};

}  // namespace meb::detail
