#include "server_versions.hpp"

#include "error.hpp"

namespace ivory {

namespace {

// The first minor release of each major version with the fix for
// CVE-2025-8714/8715 (August 2025); 18.0 shipped with it.
int first_fixed_release(int major) {
    switch (major) {
    case 13:
        return 130022;
    case 14:
        return 140019;
    case 15:
        return 150014;
    case 16:
        return 160010;
    case 17:
        return 170006;
    default:
        return major >= 18 ? major * 10000 : 0; // 0: no fixed release
    }
}

} // namespace

std::string version_text(int server_version_num) {
    if (server_version_num >= 100000)
        return std::to_string(server_version_num / 10000) + "." +
               std::to_string(server_version_num % 10000);
    return std::to_string(server_version_num / 10000) + "." +
           std::to_string(server_version_num / 100 % 100) + "." +
           std::to_string(server_version_num % 100);
}

std::optional<std::string> target_version_problem(int server_version_num) {
    const int major = server_version_num >= 100000 ? server_version_num / 10000 : 9;
    const int fixed = first_fixed_release(major);
    if (fixed != 0 && server_version_num >= fixed)
        return std::nullopt;
    const std::string running = version_text(server_version_num);
    if (fixed == 0)
        return "this server runs PostgreSQL " + running +
               ", whose pg_dump has no release with the fix for CVE-2025-8714 and "
               "CVE-2025-8715; ivory needs 13.22, 14.19, 15.14, 16.10, 17.6 or later";
    return "this server runs PostgreSQL " + running + ", older than " + version_text(fixed) +
           ", the first " + std::to_string(major) +
           " release whose pg_dump has the fix for CVE-2025-8714 and CVE-2025-8715";
}

std::optional<std::string> source_version_problem(int source_version_num,
                                                  int target_version_num) {
    if (source_version_num / 10000 <= target_version_num / 10000)
        return std::nullopt;
    return "the source runs PostgreSQL " + version_text(source_version_num) +
           ", newer than the target's PostgreSQL " + version_text(target_version_num) +
           ": the target's pg_dump cannot dump a newer server";
}

void require_source_not_newer(int source_version_num, int target_version_num) {
    if (const std::optional<std::string> problem =
            source_version_problem(source_version_num, target_version_num))
        throw Error("0A000", *problem, "", source_version_hint(source_version_num));
}

std::string source_version_hint(int source_version_num) {
    return "Migrate into a target of PostgreSQL " + std::to_string(source_version_num / 10000) +
           " or later.";
}

} // namespace ivory
