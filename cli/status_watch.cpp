#include "status_watch.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ivory::cli {

namespace {

constexpr int bar_width = 30;

std::string fixed(double value, const char *format) {
    char text[64];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

std::string copying_line(const StatusRow &row, const std::optional<WatchSample> &previous,
                         double now_seconds) {
    const std::optional<double> percent = copy_percent(row);
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

WatchSample sample_of(const std::vector<StatusRow> &rows, double seconds) {
    WatchSample sample;
    sample.seconds = seconds;
    for (const StatusRow &row : rows)
        if (row.item == "table" && row.bytes_copied)
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

std::vector<std::string> watch_lines(const std::vector<StatusRow> &rows,
                                     const std::optional<WatchSample> &previous,
                                     double now_seconds) {
    std::vector<std::string> lines;
    size_t tables = 0;
    size_t ready = 0;
    for (const StatusRow &row : rows) {
        if (row.item != "table")
            continue;
        ++tables;
        if (row.state == "ready")
            ++ready;
        else if (row.bytes_copied || row.state == "copying")
            lines.push_back(copying_line(row, previous, now_seconds));
    }
    for (const StatusRow &row : rows)
        if (row.item == "index")
            lines.push_back("index " + row.name + ": " + row.state +
                            (row.detail.empty() ? "" : " - " + row.detail));
    lines.push_back(std::to_string(ready) + " of " + std::to_string(tables) +
                    (tables == 1 ? " table" : " tables") + " ready");
    for (const StatusRow &row : rows)
        if (row.item == "lag")
            lines.push_back("lag: " + row.detail);
    for (const StatusRow &row : rows)
        if (row.item != "table" && row.item != "index" && row.item != "lag" && row.severity != "ok")
            lines.push_back(row.severity + ": " + row.item + " " + row.name + ": " + row.state +
                            (row.detail.empty() ? "" : " - " + row.detail));
    return lines;
}

} // namespace ivory::cli
