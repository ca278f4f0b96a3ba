// Log lines on standard error in the original tool's format:
//   2024-05-01 12:00:00,123 | INFO     | ivory.check | message
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace ivory::cli {

enum class LogLevel { debug, info, warning, error, critical };

// "DEBUG", "INFO", ... in the order of the levels.
const std::vector<std::string> &log_level_names();
std::string_view log_level_name(LogLevel level);
// Case-insensitive; nullopt for an unknown name.
std::optional<LogLevel> parse_log_level(std::string_view name);

// One line without the newline; the time is local, with milliseconds.
std::string format_log_line(std::chrono::system_clock::time_point when, LogLevel level,
                            std::string_view logger, std::string_view message);

// Process-wide settings: what is shown, where it goes, what is never shown
// (each message is masked with src/core's mask_secret_values).
void set_log_threshold(LogLevel threshold);
void set_log_sink(std::ostream &sink);
void add_log_secret(const std::string &secret);
void clear_log_secrets();

class Logger {
  public:
    explicit Logger(std::string name) : name_(std::move(name)) {}

    void log(LogLevel level, std::string_view message) const;
    void debug(std::string_view message) const { log(LogLevel::debug, message); }
    void info(std::string_view message) const { log(LogLevel::info, message); }
    void warning(std::string_view message) const { log(LogLevel::warning, message); }
    void error(std::string_view message) const { log(LogLevel::error, message); }
    void critical(std::string_view message) const { log(LogLevel::critical, message); }

  private:
    std::string name_;
};

} // namespace ivory::cli
