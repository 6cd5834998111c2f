#include "harness/load/profile.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace tbfault::load {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool ParseInt(std::string_view s, int64_t min, int64_t* out) {
  s = Trim(s);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < min) return false;
  *out = v;
  return true;
}

// A finite number > 0.
bool ParsePositiveDouble(std::string_view s, double* out) {
  s = Trim(s);
  const std::string copy(s);  // strtod needs a terminated string.
  char* end = nullptr;
  const double v = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size() || !(v > 0) || !std::isfinite(v))
    return false;
  *out = v;
  return true;
}

}  // namespace

float LoadProfile::LearningRate(int64_t step) const {
  return static_cast<float>(
      learning_rate / (1.0 + static_cast<double>(step) / static_cast<double>(lr_decay_steps)));
}

Status ParseProfile(std::string_view text, std::string_view file_name, LoadProfile* out) {
  LoadProfile p;
  int line_no = 0;
  auto error = [&](const std::string& why) {
    return Status::Invalid(std::string(file_name) + ":" + std::to_string(line_no) + ": " + why);
  };
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = Trim(line);
    if (line.empty()) continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos)
      return error("expected 'key = value', got '" + std::string(line) + "'");
    std::string key(Trim(line.substr(0, eq)));
    std::string_view value = Trim(line.substr(eq + 1));
    if (value.empty()) return error("empty value for '" + key + "'");
    int64_t n = 0;
    auto int_key = [&](int64_t min, auto* field) -> bool {
      if (!ParseInt(value, min, &n)) return false;
      *field = static_cast<std::remove_pointer_t<decltype(field)>>(n);
      return true;
    };
    bool ok = true;
    if (key == "name") {
      p.name = std::string(value);
    } else if (key == "input") {
      ok = int_key(1, &p.input);
    } else if (key == "classes") {
      ok = int_key(2, &p.classes);
    } else if (key == "batch") {
      ok = int_key(1, &p.batch);
    } else if (key == "batches") {
      ok = int_key(1, &p.batches);
    } else if (key == "hidden") {
      p.hidden.clear();
      std::string_view rest = value;
      while (ok) {
        size_t comma = rest.find(',');
        ok = ParseInt(rest.substr(0, comma), 1, &n);
        if (ok) p.hidden.push_back(static_cast<int>(n));
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
      }
    } else if (key == "learning_rate") {
      ok = ParsePositiveDouble(value, &p.learning_rate);
    } else if (key == "lr_decay_steps") {
      ok = int_key(1, &p.lr_decay_steps);
    } else if (key == "scalars") {
      if (value == "basic")
        p.scalars = ScalarSet::kBasic;
      else if (value == "full")
        p.scalars = ScalarSet::kFull;
      else
        return error("scalars must be 'basic' or 'full', got '" + std::string(value) + "'");
    } else if (key == "histogram_every") {
      ok = int_key(0, &p.histogram_every);
    } else if (key == "image_every") {
      ok = int_key(0, &p.image_every);
    } else if (key == "text_every") {
      ok = int_key(0, &p.text_every);
    } else if (key == "burst_every") {
      ok = int_key(0, &p.burst_every);
    } else if (key == "burst_tags") {
      ok = int_key(0, &p.burst_tags);
    } else {
      return error("unknown key '" + key + "'");
    }
    if (!ok) return error("bad value '" + std::string(value) + "' for '" + key + "'");
  }
  if (p.name.empty()) {
    line_no = 0;
    return error("missing 'name'");
  }
  *out = std::move(p);
  return Status::Ok();
}

Status ReadProfileFile(const std::string& path, LoadProfile* out) {
  std::ifstream in(path);
  if (!in) return Status::FromErrno(errno ? errno : ENOENT, "open profile " + path);
  std::stringstream text;
  text << in.rdbuf();
  return ParseProfile(text.str(), path, out);
}

std::string ProfileDirectory() {
  if (const char* dir = std::getenv("TBFAULT_PROFILE_DIR"); dir != nullptr && *dir != '\0')
    return dir;
  return TBFAULT_LOAD_PROFILE_DIR;
}

Status LoadProfileByName(std::string_view name_or_path, LoadProfile* out) {
  std::string path(name_or_path);
  if (path.find('/') == std::string::npos && !path.ends_with(".profile")) {
    path = ProfileDirectory() + "/" + path + ".profile";
  }
  return ReadProfileFile(path, out);
}

}  // namespace tbfault::load
