#pragma once
// Progress of a long command on stderr: a bar redrawn in place on a terminal, plain lines otherwise (a log
// file or CI gets one readable line per step instead of carriage returns).
#include <chrono>
#include <cstddef>
#include <string>

namespace meb::cli {

class Progress {
 public:
  /// `enabled` false prints nothing (--quiet).
  Progress(std::size_t total_steps, bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Announces the step about to run ("2019-08 mali-normative: 9 areas").
  void start(const std::string& what);
  /// The step is done.
  void finish_step();
  /// Ends the bar's line (before printing anything else on stderr or stdout).
  void done();

 private:
  void draw(const std::string& what);
  std::size_t total_;
  std::size_t done_ = 0;
  bool enabled_;
  bool terminal_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace meb::cli
