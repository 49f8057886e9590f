#pragma once

// The part of kustomize that decides what KafkaTopics, Deployments,
// StatefulSets and ScaledObjects an overlay deploys, re-done over yaml-cpp
// so that a C++ test can check an overlay's objects against the services' own
// rules without a kustomize binary: `resources` (files and directories),
// `components`, and `patches` (strategic-merge documents, matched by kind and
// name or by `target`, `$patch: delete`, and JSON 6902 add/replace/remove).
//
// Name-changing and count-changing transformers this subset does not model
// (namePrefix, nameSuffix, replicas, replacements, the deprecated patch
// fields, transformer plugins) are errors, not ignored, so a manifest change
// the subset cannot follow fails the test instead of going unchecked.
// Namespaces, labels, annotations, images and generators are ignored: they do
// not change the fields read here. The real `kustomize build` of every overlay
// is checked separately (./dev k8s check).
//
// Lists are merged as for built-in kinds: lists of maps that all have a
// `name` (containers, env, ports) by name, other lists replaced. Good enough
// for what the tests read; not a general strategic merge.
//
// Thread-compatible; no state.

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "yaml-cpp/yaml.h"

namespace ingest {

// The objects `kustomize build dir` would print, in no particular order,
// unnamespaced.
absl::StatusOr<std::vector<YAML::Node>> BuildKustomization(const std::filesystem::path& dir);

// The strategic merge of `patch` into `base` (modifies `base`): maps merged
// key by key, a null value deletes the key, named lists merged by name.
void StrategicMerge(YAML::Node base, const YAML::Node& patch);

// Applies one JSON 6902 operation (`op` add, replace or remove, `path`,
// `value`) to `object`.
absl::Status ApplyJsonPatchOperation(YAML::Node object, const YAML::Node& operation);

// The object of `kind` named `name` in `objects`, or NOT_FOUND.
absl::StatusOr<YAML::Node> FindObject(const std::vector<YAML::Node>& objects,
                                      const std::string& kind, const std::string& name);

// Every object of `kind` in `objects`.
std::vector<YAML::Node> ObjectsOfKind(const std::vector<YAML::Node>& objects,
                                      const std::string& kind);

}  // namespace ingest
