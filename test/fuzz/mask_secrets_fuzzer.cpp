// libFuzzer target: masking passwords (src/core/conninfo.hpp mask_secrets).
// Input: a connection string, a NUL byte, then the text to mask (without a
// NUL, the text is "error: " + the connection string, as in libpq's messages).
// Property: when libpq reads a password of 4 or more characters from the
// connection string, the masked text never contains it (unless the password
// contains '*', which the mask itself could recreate).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "src/core/conninfo.hpp"

namespace {

[[noreturn]] void fail(const char *what, const std::string &detail) {
    std::fprintf(stderr, "property violated: %s\n%s\n", what, detail.c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096)
        return 0;
    const std::string input(reinterpret_cast<const char *>(data), size);
    const size_t nul = input.find('\0');
    const std::string conninfo = input.substr(0, nul);
    const std::string text =
        nul == std::string::npos ? "error: " + conninfo : input.substr(nul + 1);

    const std::string masked = ivory::mask_secrets(text, conninfo);
    (void)ivory::redact_conninfo(conninfo);
    (void)ivory::conninfo_without(conninfo, "password");
    const bool has_password = ivory::conninfo_has_password(conninfo);
    const std::optional<std::string> password = ivory::conninfo_value(conninfo, "password");
    if (password && !password->empty() && !has_password)
        fail("a password that conninfo_has_password misses", conninfo);
    if (password && password->size() >= 4 && password->find('*') == std::string::npos &&
        masked.find(*password) != std::string::npos)
        fail("the masked text shows the password", conninfo + "\n" + masked);
    return 0;
}
