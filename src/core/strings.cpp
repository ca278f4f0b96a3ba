#include "strings.hpp"

#include <cstdio>
#include <iterator>
#include <stdexcept>
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

std::string sum_of_integers(const std::vector<std::string> &integers) {
    __int128 sum = 0;
    for (const std::string &integer : integers) {
        const bool negative = !integer.empty() && integer[0] == '-';
        const size_t first = negative ? 1 : 0;
        if (integer.size() == first || integer.size() - first > 38)
            throw std::invalid_argument("not an integer of at most 38 digits: \"" + integer + "\"");
        __int128 value = 0;
        for (size_t i = first; i < integer.size(); ++i) {
            if (integer[i] < '0' || integer[i] > '9')
                throw std::invalid_argument("not an integer: \"" + integer + "\"");
            value = value * 10 + (integer[i] - '0');
        }
        sum += negative ? -value : value;
    }
    const bool negative = sum < 0;
    std::string digits;
    do {
        const int digit = static_cast<int>(sum % 10);
        digits.insert(digits.begin(), static_cast<char>('0' + (negative ? -digit : digit)));
        sum /= 10;
    } while (sum != 0);
    return negative ? "-" + digits : digits;
}

} // namespace ivory
