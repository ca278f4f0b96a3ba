#include "strings.hpp"

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

} // namespace ivory
