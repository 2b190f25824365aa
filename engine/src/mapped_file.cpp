#include "mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace meb::detail {

std::optional<MappedFile> MappedFile::open(const std::string& path) {
  // Looked at before it is opened: opening a pipe would take its writer's data from the reader that follows.
  struct stat before {};
  if (::stat(path.c_str(), &before) != 0 || !S_ISREG(before.st_mode)) return std::nullopt;
  const int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) return std::nullopt;
  struct stat status {};
  void* address = MAP_FAILED;
  std::size_t size = 0;
  if (::fstat(descriptor, &status) == 0 && S_ISREG(status.st_mode) && status.st_size > 0) {
    size = static_cast<std::size_t>(status.st_size);
    address = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, descriptor, 0);
  }
  ::close(descriptor);  // the mapping keeps the file
  if (address == MAP_FAILED) return std::nullopt;
  // Read front to back: the kernel reads ahead further.
  (void)::madvise(address, size, MADV_SEQUENTIAL);
  return MappedFile(static_cast<const char*>(address), size);
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void MappedFile::release(std::size_t from, std::size_t to) const {
  static const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t first = (from + page - 1) / page * page;  // whole pages only: neighbours may still be read
  const std::size_t last = to >= size_ ? (size_ + page - 1) / page * page : to / page * page;
  if (last <= first) return;
  (void)::madvise(const_cast<char*>(data_) + first, last - first, MADV_DONTNEED);
}

}  // namespace meb::detail
