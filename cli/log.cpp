#include "log.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "../src/core/conninfo.hpp"

namespace ivory::cli {

namespace {

struct LogSettings {
    LogLevel threshold = LogLevel::info;
    std::ostream *sink = &std::cerr;
    std::vector<std::string> secrets;
};

LogSettings &settings() {
    static LogSettings instance;
    return instance;
}

} // namespace

const std::vector<std::string> &log_level_names() {
    static const std::vector<std::string> names = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"};
    return names;
}

std::string_view log_level_name(LogLevel level) {
    return log_level_names().at(static_cast<size_t>(level));
}

std::optional<LogLevel> parse_log_level(std::string_view name) {
    std::string upper(name);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    const auto &names = log_level_names();
    const auto found = std::find(names.begin(), names.end(), upper);
    if (found == names.end())
        return std::nullopt;
    return static_cast<LogLevel>(found - names.begin());
}

std::string format_log_line(std::chrono::system_clock::time_point when, LogLevel level,
                            std::string_view logger, std::string_view message) {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(when);
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(when - seconds);
    const std::time_t time = std::chrono::system_clock::to_time_t(seconds);
    std::tm local{};
    localtime_r(&time, &local);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
    char head[64];
    std::snprintf(head, sizeof head, "%s,%03d | %-8s | ", stamp, static_cast<int>(millis.count()),
                  std::string(log_level_name(level)).c_str());
    std::string line = head;
    line.append(logger).append(" | ").append(message);
    return line;
}

void set_log_threshold(LogLevel threshold) {
    settings().threshold = threshold;
}

void set_log_sink(std::ostream &sink) {
    settings().sink = &sink;
}

void add_log_secret(const std::string &secret) {
    if (!secret.empty())
        settings().secrets.push_back(secret);
}

void clear_log_secrets() {
    settings().secrets.clear();
}

void Logger::log(LogLevel level, std::string_view message) const {
    const LogSettings &current = settings();
    if (level < current.threshold)
        return;
    const auto now = std::chrono::system_clock::now();
    const std::string masked = mask_secret_values(std::string(message), current.secrets);
    // Each line of a multi-line message (a server DETAIL, a list of
    // differences) gets its own header, so that every line of standard error
    // has the same format.
    std::string lines;
    size_t start = 0;
    do {
        const size_t end = masked.find('\n', start);
        lines += format_log_line(now, level, name_, masked.substr(start, end - start)) + "\n";
        start = end == std::string::npos ? end : end + 1;
    } while (start != std::string::npos && start < masked.size());
    // One write per message, so that lines of concurrent processes do not interleave.
    current.sink->write(lines.data(), static_cast<std::streamsize>(lines.size()));
    current.sink->flush();
}

} // namespace ivory::cli
