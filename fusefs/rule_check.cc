#include "fusefs/rule_check.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include "fusefs/rules.h"

namespace faultfs {
namespace {

class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (first.empty()) {
      first = std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
    }
  }
  std::string first;
};

}  // namespace

bool CheckRuleText(const std::string& text, std::string* error) {
  Rule rule;
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, &rule)) {
    *error = errors.first.empty() ? "cannot parse" : errors.first;
    return false;
  }
  RuleEngine engine(0);
  uint32_t id = 0;
  return engine.Add(rule, &id, error);
}

bool ParseFsyncErrorMode(std::string_view mode, bool* sticky) {
  if (mode != "linux" && mode != "sticky") return false;
  *sticky = mode == "sticky";
  return true;
}

}  // namespace faultfs
