#include "mapped_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdint>
#include <mutex>
#include <utility>

namespace meb::detail {

namespace {

// A file truncated while it is mapped makes a read past its new end raise SIGBUS, which would kill the run.
// (A file replaced by a rename is no concern: the mapping keeps the old one, unchanged.)
// The engine's mappings are registered here; the handler recognises a fault inside one, puts a page of zeros in
// place of the missing one (so the reader runs on, over zeros) and marks the mapping: the reader then fails
// with an error saying the file changed while it was read. A fault elsewhere goes to the previous handler.
constexpr std::size_t kSlots = 16;
std::atomic<const char*> g_begin[kSlots];
std::atomic<std::size_t> g_size[kSlots];
std::atomic<bool> g_truncated[kSlots];
struct sigaction g_previous {};
std::once_flag g_installed;

void on_bus_error(int signal_number, siginfo_t* info, void* context) {
  const char* address = static_cast<const char*>(info->si_addr);
  for (std::size_t slot = 0; slot < kSlots; ++slot) {
    const char* begin = g_begin[slot].load();
    if (begin == nullptr || address < begin || address >= begin + g_size[slot].load()) continue;
    const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    void* start = reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(address) / page * page);
    // mmap is a plain system call: safe to make here, though POSIX does not list it as async-signal-safe.
    if (::mmap(start, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
      g_truncated[slot].store(true);
      return;
    }
    break;
  }
  if ((g_previous.sa_flags & SA_SIGINFO) != 0 && g_previous.sa_sigaction != nullptr) {
    g_previous.sa_sigaction(signal_number, info, context);
  } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(signal_number);
  } else {
    ::signal(SIGBUS, SIG_DFL);
    ::raise(SIGBUS);
  }
}

void install_handler() {
  std::call_once(g_installed, [] {
    struct sigaction action {};
    action.sa_sigaction = on_bus_error;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGBUS, &action, &g_previous);
  });
}

/// A free slot for a mapping, or kSlots when all are taken.
std::size_t register_mapping(const char* begin, std::size_t size) {
  for (std::size_t slot = 0; slot < kSlots; ++slot) {
    const char* expected = nullptr;
    if (!g_begin[slot].compare_exchange_strong(expected, begin)) continue;
    g_size[slot].store(size);
    g_truncated[slot].store(false);
    return slot;
  }
  return kSlots;
}

}  // namespace

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
  if (address == MAP_FAILED) {
    ::close(descriptor);
    return std::nullopt;
  }
  install_handler();
  const std::size_t slot = register_mapping(static_cast<const char*>(address), size);
  if (slot == kSlots) {  // more than 16 files mapped at once: the caller reads this one another way
    ::munmap(address, size);
    ::close(descriptor);
    return std::nullopt;
  }
  // Read front to back: the kernel reads ahead further.
  (void)::madvise(address, size, MADV_SEQUENTIAL);
  MappedFile file(static_cast<const char*>(address), size, slot);
  file.descriptor_ = descriptor;  // kept open to see, at the end, whether the file changed
  file.modified_seconds_ = static_cast<std::int64_t>(status.st_mtim.tv_sec);
  file.modified_nanoseconds_ = static_cast<std::int64_t>(status.st_mtim.tv_nsec);
  return file;
}

void MappedFile::unmap() {
  if (data_ == nullptr) return;
  ::munmap(const_cast<char*>(data_), size_);
  ::close(descriptor_);
  g_begin[slot_].store(nullptr);
  data_ = nullptr;
  size_ = 0;
  descriptor_ = -1;
}

MappedFile::~MappedFile() { unmap(); }

MappedFile::MappedFile(MappedFile&& other) noexcept { *this = std::move(other); }

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    unmap();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    slot_ = other.slot_;
    descriptor_ = std::exchange(other.descriptor_, -1);
    modified_seconds_ = other.modified_seconds_;
    modified_nanoseconds_ = other.modified_nanoseconds_;
  }
  return *this;
}

bool MappedFile::changed() const {
  if (data_ == nullptr) return false;
  if (g_truncated[slot_].load()) return true;
  // Written in place (same inode): another size or another modification time than when it was opened.
  struct stat now {};
  if (::fstat(descriptor_, &now) != 0) return true;
  return static_cast<std::size_t>(now.st_size) != size_ ||
         static_cast<std::int64_t>(now.st_mtim.tv_sec) != modified_seconds_ ||
         static_cast<std::int64_t>(now.st_mtim.tv_nsec) != modified_nanoseconds_;
}

void MappedFile::release(std::size_t from, std::size_t to) const {
  static const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t first = (from + page - 1) / page * page;  // whole pages only: neighbours may still be read
  const std::size_t last = to >= size_ ? (size_ + page - 1) / page * page : to / page * page;
  if (last <= first) return;
  (void)::madvise(const_cast<char*>(data_) + first, last - first, MADV_DONTNEED);
}

}  // namespace meb::detail
