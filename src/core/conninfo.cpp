#include "conninfo.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iterator>
#include <memory>

#include <libpq-fe.h>

#include "strings.hpp"

namespace ivory {

namespace {

const std::string mask = "********";

using ParsedOptions = std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;

ParsedOptions parse(const std::string &conninfo) {
    char *error = nullptr;
    ParsedOptions options(PQconninfoParse(conninfo.c_str(), &error), &PQconninfoFree);
    if (error)
        PQfreemem(error);
    return options;
}

bool is_uri(const std::string &conninfo) {
    return conninfo.rfind("postgresql://", 0) == 0 || conninfo.rfind("postgres://", 0) == 0;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// The raw text after each "password =" in a key=value string or URI query,
// read the way libpq reads a value: quoted with '' and backslashes, or up to
// white space (and '&' in a URI).
void add_keyword_values(const std::string &conninfo, std::vector<std::string> &secrets) {
    const std::string folded = lower(conninfo);
    const bool uri = is_uri(conninfo);
    for (size_t at = folded.find("password"); at != std::string::npos;
         at = folded.find("password", at + 1)) {
        size_t pos = at + 8;
        while (pos < conninfo.size() && std::isspace(static_cast<unsigned char>(conninfo[pos])))
            ++pos;
        if (pos >= conninfo.size() || conninfo[pos] != '=')
            continue;
        ++pos;
        while (pos < conninfo.size() && std::isspace(static_cast<unsigned char>(conninfo[pos])))
            ++pos;
        std::string value;
        if (pos < conninfo.size() && conninfo[pos] == '\'') {
            for (++pos; pos < conninfo.size() && conninfo[pos] != '\''; ++pos) {
                if (conninfo[pos] == '\\' && pos + 1 < conninfo.size())
                    ++pos;
                value += conninfo[pos];
            }
        } else {
            for (; pos < conninfo.size() &&
                   !std::isspace(static_cast<unsigned char>(conninfo[pos])) &&
                   !(uri && conninfo[pos] == '&');
                 ++pos)
                value += conninfo[pos];
        }
        secrets.push_back(value);
    }
}

// postgresql://user:secret@host — the part between the first ':' and the '@'.
void add_uri_userinfo(const std::string &conninfo, std::vector<std::string> &secrets) {
    if (!is_uri(conninfo))
        return;
    const size_t start = conninfo.find("://") + 3;
    const size_t at = conninfo.find('@', start);
    if (at == std::string::npos)
        return;
    const size_t colon = conninfo.find(':', start);
    if (colon != std::string::npos && colon < at)
        secrets.push_back(conninfo.substr(colon + 1, at - colon - 1));
}

void add_words(std::vector<std::string> &secrets) {
    const size_t whole = secrets.size();
    for (size_t i = 0; i < whole; ++i) {
        std::string word;
        for (char c : secrets[i] + " ") {
            if (std::isspace(static_cast<unsigned char>(c)) || c == '\'') {
                if (!word.empty() && word != secrets[i])
                    secrets.push_back(word);
                word.clear();
            } else {
                word += c;
            }
        }
    }
}

} // namespace

std::vector<std::string> secrets_in_conninfo(const std::string &conninfo) {
    std::vector<std::string> secrets;
    add_keyword_values(conninfo, secrets);
    add_uri_userinfo(conninfo, secrets);
    if (ParsedOptions options = parse(conninfo)) {
        for (const PQconninfoOption *option = options.get(); option->keyword; ++option)
            if (std::string(option->keyword) == "password" && option->val)
                secrets.push_back(option->val);
    }
    add_words(secrets);
    secrets.erase(std::remove(secrets.begin(), secrets.end(), std::string()), secrets.end());
    // Longest first, so that a word of a secret never leaves the rest visible.
    std::sort(secrets.begin(), secrets.end(),
              [](const std::string &a, const std::string &b) { return a.size() > b.size(); });
    secrets.erase(std::unique(secrets.begin(), secrets.end()), secrets.end());
    return secrets;
}

std::string mask_secret_values(std::string text, std::vector<std::string> secrets) {
    // Longest first, so that a secret containing another is masked whole.
    std::stable_sort(
        secrets.begin(), secrets.end(),
        [](const std::string &a, const std::string &b) { return a.size() > b.size(); });
    for (const std::string &secret : secrets) {
        if (secret.empty())
            continue;
        if (secret.size() >= 4) {
            replace_all(text, secret, mask);
        } else {
            replace_all(text, "\"" + secret + "\"", "\"" + mask + "\"");
            replace_all(text, "'" + secret + "'", "'" + mask + "'");
        }
    }
    return text;
}

std::string mask_secrets(const std::string &text, const std::string &conninfo) {
    return mask_secret_values(text, secrets_in_conninfo(conninfo));
}

std::string redact_conninfo(const std::string &conninfo) {
    ParsedOptions options = parse(conninfo);
    if (!options)
        return "(invalid connection string)";
    std::string shown;
    for (const PQconninfoOption *option = options.get(); option->keyword; ++option) {
        if (!option->val || !*option->val)
            continue;
        const std::string keyword = option->keyword;
        const bool secret = keyword == "password" || (option->dispchar && *option->dispchar == '*');
        if (!shown.empty())
            shown += ' ';
        shown += keyword + "=" + (secret ? mask : std::string(option->val));
    }
    return shown;
}

std::optional<std::string> conninfo_value(const std::string &conninfo, const std::string &keyword) {
    ParsedOptions options = parse(conninfo);
    if (!options)
        return std::nullopt;
    for (const PQconninfoOption *option = options.get(); option->keyword; ++option)
        if (keyword == option->keyword && option->val)
            return std::string(option->val);
    return std::nullopt;
}

std::string conninfo_without(const std::string &conninfo, const std::string &keyword) {
    ParsedOptions options = parse(conninfo);
    std::vector<std::pair<std::string, std::string>> kept;
    if (!options)
        return "";
    for (const PQconninfoOption *option = options.get(); option->keyword; ++option)
        if (option->val && keyword != option->keyword)
            kept.emplace_back(option->keyword, option->val);
    return conninfo_from_pairs(kept);
}

bool looks_like_conninfo(const std::string &source) {
    return is_uri(source) || source.find('=') != std::string::npos;
}

std::string foreign_option_problem(const std::string &keyword, OptionPlace place) {
    // Set by ivory on every connection, or meaningless for it.
    static const char *const reserved[] = {"client_encoding", "replication",
                                           "fallback_application_name"};
    for (const char *name : reserved)
        if (keyword == name)
            return "option \"" + keyword + "\" is set by ivory itself";
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> defaults(PQconndefaults(),
                                                                          &PQconninfoFree);
    if (!defaults)
        return "out of memory";
    for (const PQconninfoOption *option = defaults.get(); option->keyword; ++option) {
        if (keyword != option->keyword)
            continue;
        const bool belongs_to_user =
            keyword == "user" || (option->dispchar && *option->dispchar == '*');
        if (belongs_to_user && place == OptionPlace::server)
            return "option \"" + keyword + "\" belongs in the user mapping, not the server";
        if (!belongs_to_user && place == OptionPlace::user_mapping)
            return "option \"" + keyword + "\" belongs in the server, not the user mapping";
        return "";
    }
    return "invalid option \"" + keyword + "\": not a libpq connection option";
}

std::string quote_conninfo_value(std::string_view value) {
    std::string quoted = "'";
    for (char c : value) {
        if (c == '\\' || c == '\'')
            quoted += '\\';
        quoted += c;
    }
    return quoted + "'";
}

std::string conninfo_from_pairs(const std::vector<std::pair<std::string, std::string>> &pairs) {
    std::string result;
    for (const auto &[keyword, value] : pairs)
        result += (result.empty() ? "" : " ") + keyword + "=" + quote_conninfo_value(value);
    return result;
}

bool conninfo_has_password(const std::string &conninfo) {
    const std::optional<std::string> password = conninfo_value(conninfo, "password");
    return password && !password->empty();
}

std::optional<RefusedOption> option_refused_for_non_superusers(const std::string &conninfo) {
    ParsedOptions options = parse(conninfo);
    if (!options)
        return std::nullopt;
    auto value_of = [&options](const std::string &keyword) {
        for (const PQconninfoOption *option = options.get(); option->keyword; ++option)
            if (keyword == option->keyword && option->val)
                return std::string(option->val);
        return std::string();
    };
    for (const char *keyword : {"host", "hostaddr", "port"})
        if (value_of(keyword).find(',') != std::string::npos)
            return RefusedOption{keyword, "The connection string names several servers; ivory "
                                          "and the pg_dump it runs must reach the one server "
                                          "whose password rule was checked."};
    if (!value_of("service").empty())
        return RefusedOption{"service", "A service is looked up in this server's service file, "
                                        "which may choose the host, the user and their secrets."};
    if (!value_of("passfile").empty())
        return RefusedOption{"passfile", "A password file on this server holds the server's "
                                         "secrets, not the caller's."};
    for (const char *keyword : {"sslcert", "sslkey", "sslrootcert", "sslcrl", "sslcrldir"}) {
        const std::string value = value_of(keyword);
        // sslrootcert=system names the system's trusted roots, no file of the server's.
        if (!value.empty() && !(std::string(keyword) == "sslrootcert" && value == "system"))
            return RefusedOption{keyword, "Certificate, key and revocation files on this server "
                                          "are the server's, not the caller's."};
    }
    return std::nullopt;
}

std::string
pinned_conninfo(const std::vector<std::pair<std::string, std::string>> &effective_options,
                const ReachedServer &reached) {
    // Chosen again below, or never handed on.
    static const char *const replaced[] = {"host",
                                           "hostaddr",
                                           "port",
                                           "user",
                                           "dbname",
                                           "password",
                                           "passfile",
                                           "service",
                                           "target_session_attrs",
                                           "load_balance_hosts"};
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto &[keyword, value] : effective_options) {
        const bool dropped =
            std::any_of(std::begin(replaced), std::end(replaced),
                        [&keyword = keyword](const char *name) { return keyword == name; });
        if (!dropped && !value.empty())
            pairs.emplace_back(keyword, value);
    }
    pairs.emplace_back("host", reached.host);
    if (!reached.hostaddr.empty())
        pairs.emplace_back("hostaddr", reached.hostaddr);
    pairs.emplace_back("port", reached.port);
    pairs.emplace_back("user", reached.user);
    pairs.emplace_back("dbname", reached.dbname);
    return conninfo_from_pairs(pairs);
}

long connect_timeout_ms(const std::string &conninfo, long default_ms) {
    const std::optional<std::string> text = conninfo_value(conninfo, "connect_timeout");
    if (!text || text->empty())
        return default_ms;
    char *end = nullptr;
    const long seconds = std::strtol(text->c_str(), &end, 10);
    while (end && std::isspace(static_cast<unsigned char>(*end)))
        ++end;
    if (end == text->c_str() || (end && *end))
        return default_ms;
    if (seconds <= 0)
        return 0;
    return std::max(seconds, 2L) * 1000;
}

} // namespace ivory
