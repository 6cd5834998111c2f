#include "harness/cli/flags.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "harness/cli/command.h"

namespace tbfault::cli {
namespace {

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string Num(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.15g", v);
  return b;
}

template <typename T>
bool ParseInteger(std::string_view text, T min, T max, T* out, std::string* why) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range) {
    *why = Quoted(text) + " is out of range [" + std::to_string(min) + ", " + std::to_string(max) +
           "]";
    return false;
  }
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    *why = Quoted(text) + " is not " + (min < 0 ? "an integer" : "a non-negative integer");
    return false;
  }
  if (v < min || v > max) {
    *why = Quoted(text) + " is out of range [" + std::to_string(min) + ", " + std::to_string(max) +
           "]";
    return false;
  }
  *out = v;
  return true;
}

}  // namespace

bool ParseInt(std::string_view text, int64_t min, int64_t max, int64_t* out, std::string* why) {
  return ParseInteger<int64_t>(text, min, max, out, why);
}

bool ParseUint(std::string_view text, uint64_t min, uint64_t max, uint64_t* out, std::string* why) {
  return ParseInteger<uint64_t>(text, min, max, out, why);
}

bool ParseDouble(std::string_view text, double min, double max, double* out, std::string* why) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  std::string range = "[" + Num(min) + ", " + Num(max) + "]";
  if (ec == std::errc::result_out_of_range) {
    *why = Quoted(text) + " is out of range " + range;
    return false;
  }
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    *why = Quoted(text) + " is not a finite number";
    return false;
  }
  if (v < min || v > max) {
    *why = Quoted(text) + " is out of range " + range;
    return false;
  }
  *out = v;
  return true;
}

Flags::Flags(std::string_view command, std::string_view synopsis, std::string_view about)
    : command_(command), synopsis_(synopsis), about_(about) {}

Flags::Flag& Flags::Add(std::string_view name, std::string_view metavar, std::string_view help,
                        std::string default_text) {
  auto f = std::make_unique<Flag>();
  f->name_ = name;
  f->metavar_ = metavar;
  f->help_ = help;
  f->default_ = std::move(default_text);
  flags_.push_back(std::move(f));
  return *flags_.back();
}

Flags::Flag& Flags::String(std::string_view name, std::string_view metavar, std::string* out,
                           std::string_view help) {
  Flag& f = Add(name, metavar, help, out->empty() ? "" : Quoted(*out));
  f.set_ = [out](std::string_view text, std::string*) {
    *out = text;
    return true;
  };
  return f;
}

Flags::Flag& Flags::Choice(std::string_view name, std::vector<std::string> choices,
                           std::string* out, std::string_view help) {
  std::string metavar;
  for (const std::string& c : choices) metavar += (metavar.empty() ? "" : "|") + c;
  Flag& f = Add(name, metavar, help, out->empty() ? "" : *out);
  f.set_ = [out, choices = std::move(choices), metavar](std::string_view text, std::string* why) {
    for (const std::string& c : choices) {
      if (c == text) {
        *out = text;
        return true;
      }
    }
    *why = Quoted(text) + " is not one of " + metavar;
    return false;
  };
  return f;
}

template <typename T, typename Wide>
Flags::Flag& Flags::Integer(std::string_view name, T* out, T min, T max, std::string_view help) {
  Flag& f =
      Add(name, "N",
          std::string(help) + ", in [" + std::to_string(min) + ", " + std::to_string(max) + "]",
          std::to_string(*out));
  f.set_ = [=](std::string_view text, std::string* why) {
    Wide v = 0;
    if (!ParseInteger<Wide>(text, min, max, &v, why)) return false;
    *out = static_cast<T>(v);
    return true;
  };
  return f;
}

Flags::Flag& Flags::Int(std::string_view name, int64_t* out, int64_t min, int64_t max,
                        std::string_view help) {
  return Integer<int64_t, int64_t>(name, out, min, max, help);
}

Flags::Flag& Flags::Int(std::string_view name, int* out, int min, int max, std::string_view help) {
  return Integer<int, int64_t>(name, out, min, max, help);
}

Flags::Flag& Flags::Uint(std::string_view name, uint64_t* out, uint64_t min, uint64_t max,
                         std::string_view help) {
  return Integer<uint64_t, uint64_t>(name, out, min, max, help);
}

Flags::Flag& Flags::Double(std::string_view name, double* out, double min, double max,
                           std::string_view help) {
  Flag& f =
      Add(name, "X", std::string(help) + ", in [" + Num(min) + ", " + Num(max) + "]", Num(*out));
  f.set_ = [=](std::string_view text, std::string* why) {
    return ParseDouble(text, min, max, out, why);
  };
  return f;
}

Flags::Flag& Flags::Bool(std::string_view name, bool* out, std::string_view help) {
  Flag& f = Add(name, "", help, *out ? "on" : "off");
  f.bool_ = out;
  return f;
}

Flags::Flag& Flags::Custom(std::string_view name, std::string_view metavar, Setter set,
                           std::string_view default_text, std::string_view help) {
  Flag& f = Add(name, metavar, help, std::string(default_text));
  f.set_ = std::move(set);
  return f;
}

void Flags::Positional(std::string_view metavar, std::vector<std::string>* out, size_t min,
                       size_t max, std::string_view help) {
  positional_metavar_ = metavar;
  positional_help_ = help;
  positional_ = out;
  positional_min_ = min;
  positional_max_ = max;
}

Flags::Flag* Flags::Find(std::string_view name) {
  for (auto& f : flags_) {
    if (f->name_ == name) return f.get();
  }
  return nullptr;
}

std::string Flags::ErrorLine(std::string_view reason) const {
  return "tbfault " + command_ + ": " + std::string(reason) + " (usage: tbfault " + command_ + " " +
         synopsis_ + "; 'tbfault " + command_ + " --help' lists the flags)";
}

int Flags::Fail(std::string_view reason) const {
  std::fprintf(stderr, "%s\n", ErrorLine(reason).c_str());
  return 2;
}

std::string Flags::Help() const {
  std::string out = "usage: tbfault " + command_ + " " + synopsis_ + "\n";
  for (const Command& c : Commands()) {
    if (c.name == command_) out += std::string(c.summary) + "\n";
  }
  if (!about_.empty()) out += about_ + (about_.ends_with("\n") ? "" : "\n");
  out += "\n";
  // "  --flag METAVAR   help text", the help wrapped at 100 columns under its own column.
  constexpr size_t kIndent = 24, kWidth = 100;
  auto line = [&out](std::string left, std::string_view text) {
    left = "  " + left;
    if (left.size() < kIndent) {
      left.resize(kIndent, ' ');
    } else {
      left += "\n" + std::string(kIndent, ' ');
    }
    out += left;
    size_t column = kIndent;
    while (!text.empty()) {
      size_t space = text.find(' ');
      std::string_view word = text.substr(0, space);
      text = space == std::string_view::npos ? "" : text.substr(space + 1);
      if (column > kIndent && column + 1 + word.size() > kWidth) {
        out += "\n" + std::string(kIndent, ' ');
        column = kIndent;
      } else if (column > kIndent) {
        out += ' ';
        ++column;
      }
      out += word;
      column += word.size();
    }
    out += "\n";
  };
  if (positional_ != nullptr) {
    std::string count = positional_max_ > 1 ? "..." : "";
    line(positional_metavar_ + count,
         positional_help_ + (positional_min_ == 0 ? " (optional)" : ""));
  }
  for (const auto& f : flags_) {
    std::string text = f->help_;
    if (f->required_) {
      text += " (required)";
    } else if (!f->default_.empty()) {
      text += " (default " + f->default_ + ")";
    }
    line(f->name_ + (f->metavar_.empty() ? "" : " " + f->metavar_), text);
  }
  line("-h, --help", "print this help");
  return out;
}

int Flags::Parse(std::span<char*> args) {
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (!flags_done && a == "--") {
      flags_done = true;
      continue;
    }
    if (flags_done || a.size() < 2 || a[0] != '-') {
      if (positional_ == nullptr) return Fail("unexpected argument " + Quoted(a));
      if (positional_->size() >= positional_max_) return Fail("too many arguments: " + Quoted(a));
      positional_->emplace_back(a);
      continue;
    }
    if (a == "--help" || a == "-h") {
      std::fputs(Help().c_str(), stdout);
      return 0;
    }
    size_t eq = a.find('=');
    std::string_view name = a.substr(0, eq);
    Flag* f = Find(name);
    if (f == nullptr) return Fail("unknown flag " + Quoted(name));
    f->seen_ = true;
    if (f->bool_ != nullptr) {
      if (eq != std::string_view::npos) return Fail(std::string(name) + " takes no value");
      *f->bool_ = true;
      continue;
    }
    std::string_view value;
    if (eq != std::string_view::npos) {
      value = a.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Fail(std::string(name) + " needs a value (" + f->metavar_ + ")");
    }
    std::string why;
    if (!f->set_(value, &why)) return Fail(std::string(name) + ": " + why);
  }
  for (const auto& f : flags_) {
    if (f->required_ && !f->seen_) return Fail(f->name_ + " is required");
  }
  if (positional_ != nullptr && positional_->size() < positional_min_) {
    return Fail(positional_metavar_ + " is required");
  }
  return -1;
}

}  // namespace tbfault::cli
