#include "meb/error.hpp"

namespace meb {

InputError InputError::at_line(std::string_view file, std::size_t line, std::string_view what) {
  return InputError(std::string(file) + ":" + std::to_string(line) + ": " + std::string(what));
}

MethodologyError MethodologyError::at(std::string_view file, std::size_t line, std::size_t column,
                                      std::string_view what) {
  return MethodologyError(std::string(file) + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                          std::string(what));
}

}  // namespace meb
