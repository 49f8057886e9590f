#include "tests/k8s/kustomize_subset.h"

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

namespace fs = std::filesystem;

// Kustomization fields that rename objects or change what is read here and
// that this subset does not model.
constexpr const char* kUnmodeledFields[] = {
    "namePrefix",    "nameSuffix",       "replicas",          "replacements",
    "transformers",  "patchesJson6902",  "patchesStrategicMerge", "bases",
};

// `node[key]` without inserting anything into `node`.
YAML::Node Get(const YAML::Node& node, const std::string& key) {
  // A missing key's node is invalid: anything but IsDefined() on it throws.
  if (!node.IsDefined() || !node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  return node[key];
}

std::string Text(const YAML::Node& node) {
  return node.IsDefined() && node.IsScalar() ? node.Scalar() : std::string();
}

std::string KindOf(const YAML::Node& object) { return Text(Get(object, "kind")); }

std::string NameOf(const YAML::Node& object) {
  return Text(Get(Get(object, "metadata"), "name"));
}

absl::StatusOr<std::string> ReadFile(const fs::path& path) {
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// The documents of `text` (from `origin`), empty documents dropped.
absl::StatusOr<std::vector<YAML::Node>> ParseDocuments(const std::string& text,
                                                      const std::string& origin) {
  std::vector<YAML::Node> documents;
  try {
    for (const YAML::Node& document : YAML::LoadAll(text)) {
      if (document.IsDefined() && !document.IsNull()) documents.push_back(document);
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": ", e.what()));
  }
  return documents;
}

absl::StatusOr<YAML::Node> LoadKustomization(const fs::path& dir) {
  for (const char* name : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
    const fs::path path = dir / name;
    if (!fs::exists(path)) continue;
    ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    ASSIGN_OR_RETURN(std::vector<YAML::Node> documents, ParseDocuments(text, path.string()));
    if (documents.size() != 1 || !documents[0].IsMap()) {
      return absl::InvalidArgumentError(absl::StrCat(path.string(), " is not one map"));
    }
    for (const char* field : kUnmodeledFields) {
      if (Get(documents[0], field).IsDefined()) {
        return absl::UnimplementedError(
            absl::StrCat(path.string(), " uses `", field,
                         "`, which tests/k8s/kustomize_subset does not model: extend it"));
      }
    }
    return documents[0];
  }
  return absl::NotFoundError(absl::StrCat("no kustomization.yaml in ", dir.string()));
}

// Whether `object` is what a patch `target` (kind, name) selects.
absl::StatusOr<bool> MatchesTarget(const YAML::Node& object, const YAML::Node& target) {
  for (auto it = target.begin(); it != target.end(); ++it) {
    const std::string field = it->first.Scalar();
    if (field != "kind" && field != "name" && field != "group" && field != "version") {
      return absl::UnimplementedError(absl::StrCat(
          "patch target field `", field, "` is not modeled by tests/k8s/kustomize_subset"));
    }
  }
  const std::string kind = Text(Get(target, "kind"));
  const std::string name = Text(Get(target, "name"));
  return (kind.empty() || kind == KindOf(object)) && (name.empty() || name == NameOf(object));
}

bool IsNamedList(const YAML::Node& list) {
  if (!list.IsDefined() || !list.IsSequence() || list.size() == 0) return false;
  for (const YAML::Node& element : list) {
    if (!element.IsMap() || Text(Get(element, "name")).empty()) return false;
  }
  return true;
}

// `base` with `patch`'s elements merged in by name (`$patch: delete` removes
// one). Nodes are never assigned to one another here: yaml-cpp's `=` makes the
// left node share the right one's data, so a std::vector<YAML::Node> must not
// shift its elements (erase, insert); new lists are built by appending.
YAML::Node MergeNamedLists(const YAML::Node& base, const YAML::Node& patch) {
  std::vector<YAML::Node> elements;
  std::vector<bool> deleted;
  for (const YAML::Node& element : base) {
    elements.push_back(element);
    deleted.push_back(false);
  }
  for (const YAML::Node& change : patch) {
    const std::string name = Text(Get(change, "name"));
    size_t same = 0;
    while (same < elements.size() && Text(Get(elements[same], "name")) != name) ++same;
    if (Text(Get(change, "$patch")) == "delete") {
      if (same < elements.size()) deleted[same] = true;
    } else if (same < elements.size()) {
      StrategicMerge(elements[same], change);
    } else {
      elements.push_back(YAML::Clone(change));
      deleted.push_back(false);
    }
  }
  YAML::Node merged(YAML::NodeType::Sequence);
  for (size_t i = 0; i < elements.size(); ++i) {
    if (!deleted[i]) merged.push_back(elements[i]);
  }
  return merged;
}

YAML::Node WithoutDirective(const YAML::Node& map) {
  YAML::Node copy = YAML::Clone(map);
  copy.remove("$patch");
  return copy;
}

// The JSON pointer `path` split into unescaped tokens.
std::vector<std::string> PointerTokens(const std::string& path) {
  std::vector<std::string> tokens;
  for (absl::string_view token : absl::StrSplit(path, '/')) {
    tokens.push_back(absl::StrReplaceAll(token, {{"~1", "/"}, {"~0", "~"}}));
  }
  if (!tokens.empty()) tokens.erase(tokens.begin());  // before the leading '/'
  return tokens;
}

absl::Status ApplyPatch(const fs::path& dir, const YAML::Node& entry,
                        std::vector<YAML::Node>& objects) {
  std::string text;
  std::string origin;
  if (const YAML::Node path = Get(entry, "path"); path.IsDefined()) {
    origin = (dir / Text(path)).string();
    ASSIGN_OR_RETURN(std::string read, ReadFile(dir / Text(path)));
    text = std::move(read);
  } else if (const YAML::Node inline_patch = Get(entry, "patch"); inline_patch.IsDefined()) {
    origin = absl::StrCat((dir / "kustomization.yaml").string(), " (inline patch)");
    text = Text(inline_patch);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("a patch in ", dir.string(), " has neither path nor patch"));
  }
  ASSIGN_OR_RETURN(std::vector<YAML::Node> documents, ParseDocuments(text, origin));
  const YAML::Node target = Get(entry, "target");

  if (documents.size() == 1 && documents[0].IsSequence()) {  // JSON 6902
    if (!target.IsDefined()) {
      return absl::InvalidArgumentError(absl::StrCat(origin, ": a JSON 6902 patch needs a target"));
    }
    for (YAML::Node& object : objects) {
      ASSIGN_OR_RETURN(bool matches, MatchesTarget(object, target));
      if (!matches) continue;
      for (const YAML::Node& operation : documents[0]) {
        if (absl::Status status = ApplyJsonPatchOperation(object, operation); !status.ok()) {
          return absl::Status(status.code(), absl::StrCat(origin, ": ", status.message()));
        }
      }
    }
    return absl::OkStatus();
  }

  for (const YAML::Node& patch : documents) {
    if (!patch.IsMap()) return absl::InvalidArgumentError(absl::StrCat(origin, ": not a map"));
    std::vector<size_t> selected;
    for (size_t i = 0; i < objects.size(); ++i) {
      bool matches;
      if (target.IsDefined()) {
        ASSIGN_OR_RETURN(bool matched, MatchesTarget(objects[i], target));
        matches = matched;
      } else {
        matches = KindOf(objects[i]) == KindOf(patch) && NameOf(objects[i]) == NameOf(patch);
      }
      if (matches) selected.push_back(i);
    }
    if (selected.empty() && !target.IsDefined()) {
      // As kustomize: a patch naming an object that is not there is an error.
      return absl::NotFoundError(absl::StrCat(origin, ": no ", KindOf(patch), " named ",
                                              NameOf(patch), " to patch"));
    }
    if (Text(Get(patch, "$patch")) == "delete") {
      std::vector<YAML::Node> kept;  // not erase(): see MergeNamedLists
      for (size_t i = 0; i < objects.size(); ++i) {
        if (std::find(selected.begin(), selected.end(), i) == selected.end()) {
          kept.push_back(objects[i]);
        }
      }
      objects.swap(kept);
      continue;
    }
    for (size_t i : selected) StrategicMerge(objects[i], patch);
  }
  return absl::OkStatus();
}

absl::Status Accumulate(const fs::path& dir, std::vector<YAML::Node>& objects) {
  ASSIGN_OR_RETURN(YAML::Node kustomization, LoadKustomization(dir));
  for (const YAML::Node& resource : Get(kustomization, "resources")) {
    const std::string name = Text(resource);
    if (absl::StrContains(name, "://") || absl::StartsWith(name, "github.com/")) {
      return absl::UnimplementedError(
          absl::StrCat(dir.string(), ": remote resource ", name, " cannot be checked offline"));
    }
    const fs::path path = dir / name;
    if (fs::is_directory(path)) {
      ASSIGN_OR_RETURN(std::vector<YAML::Node> built, BuildKustomization(path));
      objects.insert(objects.end(), built.begin(), built.end());
      continue;
    }
    ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    ASSIGN_OR_RETURN(std::vector<YAML::Node> documents, ParseDocuments(text, path.string()));
    objects.insert(objects.end(), documents.begin(), documents.end());
  }
  // A component adds its resources to, and applies its patches over, what
  // the including kustomization accumulated so far.
  for (const YAML::Node& component : Get(kustomization, "components")) {
    if (absl::Status status = Accumulate(dir / Text(component), objects); !status.ok()) {
      return status;
    }
  }
  for (const YAML::Node& patch : Get(kustomization, "patches")) {
    RETURN_IF_ERROR(ApplyPatch(dir, patch, objects));
  }
  return absl::OkStatus();
}

}  // namespace

void StrategicMerge(YAML::Node base, const YAML::Node& patch) {
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string key = it->first.Scalar();
    const YAML::Node value = it->second;
    if (key == "$patch") continue;
    const YAML::Node current = Get(base, key);
    if (value.IsNull()) {
      base.remove(key);
    } else if (value.IsMap() && Text(Get(value, "$patch")) == "replace") {
      base[key] = WithoutDirective(value);
    } else if (value.IsMap() && current.IsDefined() && current.IsMap()) {
      StrategicMerge(base[key], value);
    } else if (IsNamedList(value) && IsNamedList(current)) {
      base[key] = MergeNamedLists(current, value);
    } else {
      base[key] = YAML::Clone(value);
    }
  }
}

absl::Status ApplyJsonPatchOperation(YAML::Node object, const YAML::Node& operation) {
  const std::string op = Text(Get(operation, "op"));
  const std::string path = Text(Get(operation, "path"));
  const YAML::Node value = Get(operation, "value");
  if (op != "add" && op != "replace" && op != "remove") {
    return absl::UnimplementedError(absl::StrCat("JSON patch op '", op, "' is not modeled"));
  }
  if (op != "remove" && !value.IsDefined()) {
    return absl::InvalidArgumentError(absl::StrCat(op, " ", path, " without a value"));
  }
  const std::vector<std::string> tokens = PointerTokens(path);
  if (tokens.empty()) return absl::InvalidArgumentError(absl::StrCat("bad path '", path, "'"));

  YAML::Node parent = object;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    // reset() rebinds a handle; `=` would overwrite the node it points to.
    YAML::Node child(YAML::NodeType::Undefined);
    size_t index = 0;
    if (parent.IsMap()) {
      if (const YAML::Node found = Get(parent, tokens[i]); found.IsDefined()) child.reset(found);
    } else if (parent.IsSequence() && absl::SimpleAtoi(tokens[i], &index) &&
               index < parent.size()) {
      child.reset(parent[index]);
    }
    if (!child.IsDefined()) return absl::NotFoundError(absl::StrCat("no ", path));
    parent.reset(child);
  }
  const std::string& last = tokens.back();
  if (parent.IsMap()) {
    if (op != "add" && !Get(parent, last).IsDefined()) {
      return absl::NotFoundError(absl::StrCat(op, ": no ", path));
    }
    if (op == "remove") {
      parent.remove(last);
    } else {
      parent[last] = YAML::Clone(value);
    }
    return absl::OkStatus();
  }
  if (!parent.IsSequence()) return absl::NotFoundError(absl::StrCat("no ", path));
  size_t index = parent.size();
  if (!(op == "add" && last == "-") &&
      (!absl::SimpleAtoi(last, &index) || index > parent.size() ||
       (op != "add" && index == parent.size()))) {
    return absl::NotFoundError(absl::StrCat(op, ": no ", path));
  }
  YAML::Node rebuilt(YAML::NodeType::Sequence);
  size_t i = 0;
  for (const YAML::Node& element : parent) {
    if (i == index && op == "add") rebuilt.push_back(YAML::Clone(value));
    if (i != index || op == "add") {
      rebuilt.push_back(element);
    } else if (op == "replace") {
      rebuilt.push_back(YAML::Clone(value));
    }  // else remove: left out
    ++i;
  }
  if (op == "add" && index == parent.size()) rebuilt.push_back(YAML::Clone(value));
  parent = rebuilt;  // the node the parent's parent holds now has the new list
  return absl::OkStatus();
}

absl::StatusOr<std::vector<YAML::Node>> BuildKustomization(const fs::path& dir) {
  std::vector<YAML::Node> objects;
  RETURN_IF_ERROR(Accumulate(dir, objects));
  return objects;
}

absl::StatusOr<YAML::Node> FindObject(const std::vector<YAML::Node>& objects,
                                      const std::string& kind, const std::string& name) {
  for (const YAML::Node& object : objects) {
    if (KindOf(object) == kind && NameOf(object) == name) return object;
  }
  return absl::NotFoundError(absl::StrCat("no ", kind, " named ", name));
}

std::vector<YAML::Node> ObjectsOfKind(const std::vector<YAML::Node>& objects,
                                      const std::string& kind) {
  std::vector<YAML::Node> found;
  for (const YAML::Node& object : objects) {
    if (KindOf(object) == kind) found.push_back(object);
  }
  return found;
}

}  // namespace ingest
