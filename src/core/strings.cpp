#include "strings.hpp"

#include <cstdio>
#include <iterator>
#include <utility>

namespace ivory {

std::vector<std::string> split_lines(const std::string &joined) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < joined.size()) {
        size_t end = joined.find('\n', start);
        if (end == std::string::npos)
            end = joined.size();
        lines.push_back(joined.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

std::string join(const std::vector<std::string> &items, const std::string &separator) {
    std::string joined;
    for (size_t i = 0; i < items.size(); ++i)
        joined += (i == 0 ? "" : separator) + items[i];
    return joined;
}

void replace_all(std::string &text, const std::string &from, const std::string &to) {
    if (from.empty())
        return;
    // Built anew in one pass: replacing in place moves the rest of the text
    // at each occurrence, quadratic on a long text with many of them.
    std::string replaced;
    size_t done = 0;
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, done)) {
        replaced.append(text, done, at - done).append(to);
        done = at + from.size();
    }
    if (done == 0)
        return;
    replaced.append(text, done, std::string::npos);
    text = std::move(replaced);
}

std::string human_bytes(long long bytes) {
    static const char *const units[] = {"kB", "MB", "GB", "TB", "PB"};
    if (bytes < 1024 && bytes > -1024)
        return std::to_string(bytes) + " bytes";
    double value = static_cast<double>(bytes) / 1024;
    size_t unit = 0;
    while ((value >= 1024 || value <= -1024) && unit + 1 < std::size(units)) {
        value /= 1024;
        ++unit;
    }
    char text[32];
    // One decimal where it still says something: "1.5 MB" but "265 MB".
    if (value < 10 && value > -10)
        std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
    else
        std::snprintf(text, sizeof text, "%.0f %s", value, units[unit]);
    return text;
}

} // namespace ivory
