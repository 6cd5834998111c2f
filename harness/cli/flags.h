// A command's flags, declared once: parsed from argv and printed by `tbfault COMMAND --help`.
//   Flags flags("train", "--logdir DIR [FLAGS]");
//   flags.String("--logdir", "DIR", &logdir, "where the run is written").Required();
//   flags.Int("--steps", &steps, 1, 10'000'000, "training steps per mode");
//   if (int rc = flags.Parse(args); rc >= 0) return rc;
// Values come as `--flag VALUE` or `--flag=VALUE`; `--` ends the flags. Integers are decimal with
// nothing after them, doubles finite; both must lie in their [min, max]. A garbage or out-of-range
// number, a missing value, an unknown flag, a missing required flag or positional all give one
// line on stderr, "tbfault CMD: REASON (usage: tbfault CMD SYNOPSIS; 'tbfault CMD --help' lists
// the flags)", and Parse returns 2. --help (or -h) prints every flag with its meaning and default
// on stdout and returns 0. Otherwise Parse returns -1: the command goes on. The defaults shown
// are the values the outputs hold when the flag is declared.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tbfault::cli {

class Flags {
 public:
  // Sets *value from `text`; on failure returns false with *why saying what is wrong
  // ("is not a ...", without the flag's name).
  using Setter = std::function<bool(std::string_view text, std::string* why)>;

  class Flag {
   public:
    Flag& Required() {
      required_ = true;
      return *this;
    }
    // What --help shows as the default instead of the declared value ("its own").
    Flag& DefaultText(std::string_view text) {
      default_ = text;
      return *this;
    }
    bool seen() const { return seen_; }  // given on the command line.

   private:
    friend class Flags;
    std::string name_, metavar_, help_, default_;
    Setter set_;  // null for a bool.
    bool* bool_ = nullptr;
    bool required_ = false, seen_ = false;
  };

  // `synopsis` follows "tbfault COMMAND " in the usage line; `about` (optional) is printed under
  // it by --help.
  Flags(std::string_view command, std::string_view synopsis, std::string_view about = "");

  Flag& String(std::string_view name, std::string_view metavar, std::string* out,
               std::string_view help);
  // One of `choices`.
  Flag& Choice(std::string_view name, std::vector<std::string> choices, std::string* out,
               std::string_view help);
  Flag& Int(std::string_view name, int64_t* out, int64_t min, int64_t max, std::string_view help);
  Flag& Int(std::string_view name, int* out, int min, int max, std::string_view help);
  Flag& Uint(std::string_view name, uint64_t* out, uint64_t min, uint64_t max,
             std::string_view help);
  Flag& Double(std::string_view name, double* out, double min, double max, std::string_view help);
  // Present: *out = true. Takes no value.
  Flag& Bool(std::string_view name, bool* out, std::string_view help);
  // Any other value syntax; `default_text` is what --help shows as the default ("" for none).
  Flag& Custom(std::string_view name, std::string_view metavar, Setter set,
               std::string_view default_text, std::string_view help);
  // Arguments that are not flags, in order; between min and max of them.
  void Positional(std::string_view metavar, std::vector<std::string>* out, size_t min, size_t max,
                  std::string_view help);

  // -1: go on; 0: --help printed; 2: a one-line error printed.
  int Parse(std::span<char*> args);

  // The --help text, and the one-line error Parse prints for `reason`.
  std::string Help() const;
  std::string ErrorLine(std::string_view reason) const;
  // Prints ErrorLine(reason) to stderr and returns 2: for a command's own checks after Parse.
  int Fail(std::string_view reason) const;

 private:
  Flag& Add(std::string_view name, std::string_view metavar, std::string_view help,
            std::string default_text);
  Flag* Find(std::string_view name);
  // An integer flag of type T, parsed as Wide (T's range within Wide's).
  template <typename T, typename Wide>
  Flag& Integer(std::string_view name, T* out, T min, T max, std::string_view help);

  std::string command_, synopsis_, about_;
  std::vector<std::unique_ptr<Flag>> flags_;
  std::string positional_metavar_, positional_help_;
  std::vector<std::string>* positional_ = nullptr;
  size_t positional_min_ = 0, positional_max_ = 0;
};

// Parses a whole decimal integer / a finite double in [min, max]; false with *why otherwise.
bool ParseInt(std::string_view text, int64_t min, int64_t max, int64_t* out, std::string* why);
bool ParseUint(std::string_view text, uint64_t min, uint64_t max, uint64_t* out, std::string* why);
bool ParseDouble(std::string_view text, double min, double max, double* out, std::string* why);

}  // namespace tbfault::cli
