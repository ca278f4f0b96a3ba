#include "schema_diff.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace ivory {

namespace {

// Objects of a side: key "type name" → attributes.
struct Catalog {
    std::map<std::string, std::map<std::string, std::optional<std::string>>> attributes;
    std::map<std::string, const SchemaFact *> objects; // existence facts
};

std::string key_of(const std::string &type, const std::string &name) {
    return type + " " + name;
}

Catalog index_facts(const std::vector<SchemaFact> &facts) {
    Catalog catalog;
    for (const SchemaFact &fact : facts) {
        const std::string key = key_of(fact.object_type, fact.object_name);
        if (fact.attribute.empty())
            catalog.objects.emplace(key, &fact);
        else
            catalog.attributes[key][fact.attribute] = fact.value;
    }
    return catalog;
}

// True when an ancestor of the object is missing from `side` too, in which
// case the ancestor's difference already says everything.
bool ancestor_missing(const SchemaFact &fact, const Catalog &side, const Catalog &other) {
    for (std::string parent = fact.parent; !parent.empty();) {
        if (!side.objects.count(parent))
            return true;
        auto in_other = other.objects.find(parent);
        if (in_other == other.objects.end())
            return false;
        parent = in_other->second->parent;
    }
    return false;
}

std::string shown(const std::optional<std::string> &value) {
    if (!value)
        return "none";
    return value->empty() ? "\"\"" : *value;
}

// Order of object types in reports: containers before their contents.
int type_rank(const std::string &type) {
    static const std::map<std::string, int> ranks = {
        {"extension", 0}, {"schema", 1},   {"type", 2},       {"sequence", 3},
        {"table", 4},     {"column", 5},   {"constraint", 6}, {"index", 7},
        {"view", 8},      {"function", 9}, {"trigger", 10}};
    auto found = ranks.find(type);
    return found == ranks.end() ? 100 : found->second;
}

} // namespace

std::string SchemaDifference::describe() const {
    const std::string object = object_type + " " + object_name;
    if (missing_on_target())
        return object + " missing on target";
    if (missing_on_source())
        return object + " missing on source";
    // The type of a column is its main attribute: "column t.c: int on source".
    const std::string what = attribute == "type" ? "" : attribute + " ";
    if (attribute == "definition")
        return object + ": definition differs"; // both texts are in ivory.schema_diff
    return object + ": " + what + shown(source_value) + " on source, " + shown(target_value) +
           " on target";
}

std::vector<SchemaFact> facts_from_rows(const Rows &rows) {
    std::vector<SchemaFact> facts;
    facts.reserve(rows.size());
    for (const Row &row : rows) {
        if (row.size() < 5)
            continue;
        facts.push_back({value_or(row[0], ""), value_or(row[1], ""), value_or(row[2], ""),
                         value_or(row[3], ""), row[4]});
    }
    return facts;
}

std::vector<SchemaDifference> diff_schemas(const std::vector<SchemaFact> &source,
                                           const std::vector<SchemaFact> &target) {
    const Catalog on_source = index_facts(source);
    const Catalog on_target = index_facts(target);
    std::vector<SchemaDifference> differences;

    for (const auto &[key, fact] : on_source.objects)
        if (!on_target.objects.count(key) && !ancestor_missing(*fact, on_target, on_source))
            differences.push_back({fact->object_type, fact->object_name, "", "", std::nullopt});
    for (const auto &[key, fact] : on_target.objects)
        if (!on_source.objects.count(key) && !ancestor_missing(*fact, on_source, on_target))
            differences.push_back({fact->object_type, fact->object_name, "", std::nullopt, ""});

    for (const auto &[key, fact] : on_source.objects) {
        if (!on_target.objects.count(key))
            continue;
        static const std::map<std::string, std::optional<std::string>> none;
        auto source_attributes = on_source.attributes.find(key);
        auto target_attributes = on_target.attributes.find(key);
        const auto &left =
            source_attributes == on_source.attributes.end() ? none : source_attributes->second;
        const auto &right =
            target_attributes == on_target.attributes.end() ? none : target_attributes->second;
        std::set<std::string> names;
        for (const auto &entry : left)
            names.insert(entry.first);
        for (const auto &entry : right)
            names.insert(entry.first);
        for (const std::string &name : names) {
            auto l = left.find(name);
            auto r = right.find(name);
            const std::optional<std::string> lv = l == left.end() ? std::nullopt : l->second;
            const std::optional<std::string> rv = r == right.end() ? std::nullopt : r->second;
            if (lv != rv)
                differences.push_back({fact->object_type, fact->object_name, name, lv, rv});
        }
    }

    std::sort(differences.begin(), differences.end(),
              [](const SchemaDifference &a, const SchemaDifference &b) {
                  return std::make_tuple(type_rank(a.object_type), a.object_type, a.object_name,
                                         a.attribute) < std::make_tuple(type_rank(b.object_type),
                                                                        b.object_type,
                                                                        b.object_name, b.attribute);
              });
    return differences;
}

} // namespace ivory
