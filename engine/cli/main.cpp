// The `meb` command: a thin layer over meb::engine. It parses the command line, reads the inputs at the
// edge, calls the library, writes the outputs atomically, and maps each kind of error to its exit code.
#include <iostream>
#include <string>
#include <vector>

#include "common.hpp"
#include "meb/error.hpp"
#include "meb/scenario.hpp"
#include "meb/version.hpp"

using namespace meb::cli;

namespace {

constexpr const char* kUsage =
    "usage: meb <command> [options]\n"
    "\n"
    "commands:\n"
    "  compute   SMEB, MEB and transfer value per area and month from price files and a methodology\n"
    "  validate  check a methodology file and print a summary of it\n"
    "  compare   run several methodologies on the same inputs and explain how far apart they land\n"
    "  sensitivity  price elasticities, parameter changes and tornado data of the transfer value per area and month\n"
    "  batch     the monthly batch: every methodology of a batch file, history, changes, alerts and bands\n"
    "  history   an area's series from the history store; set-in-force and in-force for the values in force\n"
    "  scenario  price shocks, inflation, seasons, household, transfer, basket and currency changes and sweeps against a baseline\n"
    "\n"
    "Run `meb <command> --help` for a command's options. `meb --version` prints the engine version.\n";


}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> command_line(argv, argv + argc);
  try {
    if (argc < 2) throw UsageError("no command given");
    const std::string command = argv[1];
    const std::vector<std::string> arguments(argv + 2, argv + argc);
    if (command == "--help" || command == "-h" || command == "help") {
      std::cout << kUsage;
      return kSuccess;
    }
    if (command == "--version") {
      std::cout << "meb " << meb::kVersion << "\n";
      return kSuccess;
    }
    if (command == "compute") return run_compute(arguments, command_line);
    if (command == "validate") return run_validate(arguments);
    if (command == "compare") return run_compare(arguments, command_line);
    if (command == "sensitivity") return run_sensitivity(arguments, command_line);
    if (command == "scenario") return run_scenario(arguments, command_line);
    if (command == "batch") return run_batch(arguments, command_line);
    if (command == "history") return run_history(arguments);
    throw UsageError("unknown command '" + command + "'");
  } catch (const UsageError& error) {
    std::cerr << "meb: usage error: " << error.what() << "\n\n" << kUsage;
    return kUsageError;
  } catch (const meb::ScenarioError& error) {
    std::cerr << "meb: scenario error:\n" << error.what() << "\n";
    return kMethodologyError;
  } catch (const meb::MethodologyError& error) {
    std::cerr << "meb: methodology error:\n" << error.what() << "\n";
    return kMethodologyError;
  } catch (const meb::InputError& error) {
    std::cerr << "meb: input error: " << error.what() << "\n";
    return kInputError;
  } catch (const meb::HistoryError& error) {
    std::cerr << "meb: history store error: " << error.what() << "\n";
    return kHistoryError;
  } catch (const meb::OutputError& error) {
    std::cerr << "meb: output error: " << error.what() << "\n";
    return kOutputError;
  } catch (const std::exception& error) {
    std::cerr << "meb: internal error: " << error.what() << "\n";
    return kInternalError;
  }
}
