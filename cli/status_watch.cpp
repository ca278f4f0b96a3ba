#include "status_watch.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "../src/core/strings.hpp"

namespace ivory::cli {

namespace {

constexpr int bar_width = 30;

std::string fixed(double value, const char *format) {
    char text[64];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

std::string copying_line(const StatusEntry &row, const std::optional<WatchSample> &previous,
                         double now_seconds) {
    const std::optional<double> percent = row.percent();
    std::string line = row.name + "  " + progress_bar(percent.value_or(0), bar_width) + " " +
                       (percent ? fixed(*percent, "%5.1f%%") : std::string("    ?%"));
    if (row.bytes_copied)
        line += "  " + human_bytes(*row.bytes_copied) +
                (row.bytes_total ? " of " + human_bytes(*row.bytes_total) : std::string());
    if (!previous || !row.bytes_copied)
        return line;
    const auto before = previous->bytes_copied.find(row.name);
    const double elapsed = now_seconds - previous->seconds;
    if (before == previous->bytes_copied.end() || elapsed <= 0 ||
        *row.bytes_copied < before->second)
        return line;
    const double rate = static_cast<double>(*row.bytes_copied - before->second) / elapsed;
    line += "  " + human_bytes(static_cast<long long>(rate)) + "/s";
    if (rate > 0 && row.bytes_total && *row.bytes_total > *row.bytes_copied)
        line += "  about " +
                human_duration(static_cast<double>(*row.bytes_total - *row.bytes_copied) / rate) +
                " left";
    return line;
}

} // namespace

WatchSample sample_of(const std::vector<StatusEntry> &entries, double seconds) {
    WatchSample sample;
    sample.seconds = seconds;
    for (const StatusEntry &row : entries)
        if (row.item == StatusItem::table && row.bytes_copied)
            sample.bytes_copied[row.name] = *row.bytes_copied;
    return sample;
}

std::string progress_bar(double percent, int width) {
    const double clamped = std::clamp(percent, 0.0, 100.0);
    const int filled = static_cast<int>(std::floor(clamped / 100.0 * width));
    return "[" + std::string(static_cast<size_t>(filled), '#') +
           std::string(static_cast<size_t>(width - filled), '.') + "]";
}

std::string human_duration(double seconds) {
    const long long total = std::max(0LL, std::llround(seconds));
    if (total < 60)
        return std::to_string(total) + " s";
    if (total < 3600)
        return std::to_string(total / 60) + " min " + std::to_string(total % 60) + " s";
    return std::to_string(total / 3600) + " h " + std::to_string(total % 3600 / 60) + " min";
}

std::vector<std::string> watch_lines(const std::vector<StatusEntry> &rows,
                                     const std::optional<WatchSample> &previous,
                                     double now_seconds) {
    std::vector<std::string> lines;
    size_t tables = 0;
    size_t ready = 0;
    for (const StatusEntry &row : rows) {
        if (row.item != StatusItem::table)
            continue;
        ++tables;
        if (row.state == ItemState::ready)
            ++ready;
        else if (row.bytes_copied || row.state == ItemState::copying)
            lines.push_back(copying_line(row, previous, now_seconds));
    }
    for (const StatusEntry &row : rows)
        if (row.item == StatusItem::index)
            lines.push_back("index " + row.name + ": " + std::string(state_word(row.state)) +
                            (row.detail.empty() ? "" : " - " + row.detail));
    lines.push_back(std::to_string(ready) + " of " + std::to_string(tables) +
                    (tables == 1 ? " table" : " tables") + " ready");
    for (const StatusEntry &row : rows)
        if (row.item == StatusItem::lag)
            lines.push_back("lag: " + row.detail);
    for (const StatusEntry &row : rows)
        if (row.item != StatusItem::table && row.item != StatusItem::index &&
            row.item != StatusItem::lag && row.severity != Severity::ok)
            lines.push_back(std::string(severity_word(row.severity)) + ": " +
                            std::string(item_word(row.item)) + " " + row.name + ": " +
                            std::string(state_word(row.state)) +
                            (row.detail.empty() ? "" : " - " + row.detail));
    return lines;
}

} // namespace ivory::cli
