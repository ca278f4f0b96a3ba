#include "options.hpp"

#include <cerrno>
#include <cstdlib>

namespace ivory::cli {

std::optional<SequenceOffset> parse_sequence_offset(const std::string &text) {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
        return std::nullopt;
    const std::string number = text.substr(colon + 1);
    char *end = nullptr;
    errno = 0;
    const long long offset = std::strtoll(number.c_str(), &end, 10);
    if (errno != 0 || *end != '\0')
        return std::nullopt;
    return SequenceOffset{text.substr(0, colon), offset};
}

EnvironmentLookup process_environment() {
    return [](const std::string &name) -> std::optional<std::string> {
        if (const char *value = std::getenv(name.c_str()))
            return std::string(value);
        return std::nullopt;
    };
}

} // namespace ivory::cli
