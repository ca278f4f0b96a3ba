#include "schema_diff.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <tuple>

namespace ivory {

namespace {

// A side's facts by object, pointing into the facts (which outlive it) rather
// than copying their text. Key: "type name", as SchemaFact::parent names it.
struct ObjectFacts {
    const SchemaFact *existence = nullptr; // null: only attributes were seen
    std::map<std::string_view, const std::optional<std::string> *> attributes;
};
using Catalog = std::map<std::string, ObjectFacts>;

std::string key_of(const std::string &type, const std::string &name) {
    return type + " " + name;
}

Catalog index_facts(const std::vector<SchemaFact> &facts) {
    Catalog catalog;
    for (const SchemaFact &fact : facts) {
        ObjectFacts &object = catalog[key_of(fact.object_type, fact.object_name)];
        if (fact.attribute.empty())
            object.existence = &fact;
        else
            object.attributes[fact.attribute] = &fact.value;
    }
    return catalog;
}

const SchemaFact *existing(const Catalog &side, const std::string &key) {
    const auto found = side.find(key);
    return found == side.end() ? nullptr : found->second.existence;
}

// True when an ancestor of the object is missing from `side` too, in which
// case the ancestor's difference already says everything.
bool ancestor_missing(const SchemaFact &fact, const Catalog &side, const Catalog &other) {
    for (std::string parent = fact.parent; !parent.empty();) {
        if (!existing(side, parent))
            return true;
        const SchemaFact *in_other = existing(other, parent);
        if (!in_other)
            return false;
        parent = in_other->parent;
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

std::vector<SchemaFact> facts_from_rows(Rows &&rows) {
    std::vector<SchemaFact> facts;
    facts.reserve(rows.size());
    for (Row &row : rows) {
        if (row.size() < 5)
            continue;
        facts.push_back({value_or(std::move(row[0]), ""), value_or(std::move(row[1]), ""),
                         value_or(std::move(row[2]), ""), value_or(std::move(row[3]), ""),
                         std::move(row[4])});
        Row().swap(row); // its emptied strings go now, not with the last row
    }
    return facts;
}

std::vector<SchemaDifference> diff_schemas(const std::vector<SchemaFact> &source,
                                           const std::vector<SchemaFact> &target) {
    const Catalog on_source = index_facts(source);
    const Catalog on_target = index_facts(target);
    std::vector<SchemaDifference> differences;

    for (const auto &[key, object] : on_source)
        if (object.existence && !existing(on_target, key) &&
            !ancestor_missing(*object.existence, on_target, on_source))
            differences.push_back({object.existence->object_type, object.existence->object_name,
                                   "", "", std::nullopt});
    for (const auto &[key, object] : on_target)
        if (object.existence && !existing(on_source, key) &&
            !ancestor_missing(*object.existence, on_source, on_target))
            differences.push_back({object.existence->object_type, object.existence->object_name,
                                   "", std::nullopt, ""});

    static const std::optional<std::string> absent;
    for (const auto &[key, left] : on_source) {
        const SchemaFact *fact = left.existence;
        if (!fact || !existing(on_target, key))
            continue;
        const auto &right = on_target.at(key).attributes;
        std::set<std::string_view> names;
        for (const auto &entry : left.attributes)
            names.insert(entry.first);
        for (const auto &entry : right)
            names.insert(entry.first);
        for (const std::string_view name : names) {
            const auto l = left.attributes.find(name);
            const auto r = right.find(name);
            const std::optional<std::string> &lv = l == left.attributes.end() ? absent : *l->second;
            const std::optional<std::string> &rv = r == right.end() ? absent : *r->second;
            if (lv != rv)
                differences.push_back(
                    {fact->object_type, fact->object_name, std::string(name), lv, rv});
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
