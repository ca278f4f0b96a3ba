// Enum values and the one word each is shown as, in a table per enum: the
// words are defined once and read back the same way.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace ivory {

template <typename Enum, size_t N>
std::string_view word_of(const std::pair<Enum, std::string_view> (&words)[N], Enum value) {
    for (const auto &[known, word] : words)
        if (known == value)
            return word;
    return "unknown";
}

template <typename Enum, size_t N>
std::optional<Enum> parse_word(const std::pair<Enum, std::string_view> (&words)[N],
                               std::string_view word) {
    for (const auto &[known, text] : words)
        if (text == word)
            return known;
    return std::nullopt;
}

} // namespace ivory
