#include "progress.hpp"

#include <cstdio>
#include <iostream>

#include <unistd.h>

namespace meb::cli {
namespace {

std::string duration(double seconds) {
  char text[32];
  if (seconds < 60.0) std::snprintf(text, sizeof text, "%.0fs", seconds);
  else std::snprintf(text, sizeof text, "%dm%02ds", static_cast<int>(seconds) / 60, static_cast<int>(seconds) % 60);
  return text;
}

}  // namespace

Progress::Progress(std::size_t total_steps, bool enabled)
    : total_(total_steps == 0 ? 1 : total_steps),
      enabled_(enabled),
      terminal_(isatty(STDERR_FILENO) == 1),
      started_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { done(); }

void Progress::start(const std::string& what) {
  if (enabled_) draw(what);
}

void Progress::finish_step() {
  if (done_ < total_) ++done_;
}

void Progress::draw(const std::string& what) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  // The time left assumes the remaining steps cost what the finished ones did on average.
  const std::string left = done_ == 0 ? "?" : duration(elapsed / static_cast<double>(done_) * static_cast<double>(total_ - done_));
  const std::string count = std::to_string(done_ + 1) + "/" + std::to_string(total_);
  if (!terminal_) {
    std::cerr << "[" << count << "] " << what << " (time left " << left << ")\n";
    return;
  }
  constexpr std::size_t kWidth = 24;
  const std::size_t filled = done_ * kWidth / total_;
  std::string bar = "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "]";
  std::string line = bar + " " + count + " " + what + "  left " + left;
  if (line.size() > 110) line.resize(110);
  std::cerr << "\r\033[K" << line << std::flush;
  drawn_ = true;
}

void Progress::done() {
  if (drawn_) std::cerr << "\r\033[K" << std::flush;
  drawn_ = false;
}

}  // namespace meb::cli
