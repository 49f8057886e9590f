#include "tests/k8s/kustomize_subset.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "yaml-cpp/yaml.h"

namespace ingest {
namespace {

namespace fs = std::filesystem;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// `node` on one line, flow style, in its keys' order.
std::string FlowText(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  std::vector<std::string> parts;
  if (node.IsSequence()) {
    for (const YAML::Node& element : node) parts.push_back(FlowText(element));
    return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
  }
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      parts.push_back(absl::StrCat(it->first.Scalar(), ": ", FlowText(it->second)));
    }
    return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
  }
  return "null";
}

TEST(StrategicMergeTest, MergesMapsDeletesNullsAndMergesContainersByName) {
  YAML::Node base = YAML::Load(
      "spec: {replicas: 2, keep: x, template: {spec: {containers: ["
      "{name: a, image: i, args: [x]}, {name: b, image: j}]}}}");
  StrategicMerge(base, YAML::Load(
                           "spec: {replicas: null, template: {spec: {containers: ["
                           "{name: b, image: k}, {name: c, image: l}]}}}"));
  EXPECT_EQ(FlowText(base),
            "{spec: {keep: x, template: {spec: {containers: [{name: a, image: i, args: [x]}, "
            "{name: b, image: k}, {name: c, image: l}]}}}}");
}

TEST(StrategicMergeTest, ReplacesPlainLists) {
  YAML::Node base = YAML::Load("roles: [broker]");
  StrategicMerge(base, YAML::Load("roles: [controller, broker]"));
  EXPECT_EQ(FlowText(base), "{roles: [controller, broker]}");
}

absl::Status Apply(YAML::Node object, const std::string& operation) {
  return ApplyJsonPatchOperation(object, YAML::Load(operation));
}

TEST(JsonPatchTest, AppendsInsertsReplacesAndRemoves) {
  YAML::Node object = YAML::Load("spec: {replicas: 2, args: [a, b]}");
  ASSERT_TRUE(Apply(object, "{op: add, path: /spec/args/-, value: c}").ok());
  ASSERT_TRUE(Apply(object, "{op: add, path: /spec/args/0, value: z}").ok());
  ASSERT_TRUE(Apply(object, "{op: replace, path: /spec/args/1, value: y}").ok());
  ASSERT_TRUE(Apply(object, "{op: remove, path: /spec/replicas}").ok());
  EXPECT_EQ(FlowText(object), "{spec: {args: [z, y, b, c]}}");
}

TEST(JsonPatchTest, AMissingPathIsAnError) {
  YAML::Node object = YAML::Load("spec: {args: [a]}");
  EXPECT_EQ(Apply(object, "{op: remove, path: /spec/replicas}").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Apply(object, "{op: replace, path: /spec/args/1, value: x}").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Apply(object, "{op: move, path: /spec/args}").code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(FlowText(object), "{spec: {args: [a]}}");
}

class BuildTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    root_ = fs::path(tmp != nullptr ? tmp : "/tmp") /
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(root_);
  }
  void Write(const std::string& relative, const std::string& text) {
    const fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  fs::path root_;
};

TEST_F(BuildTest, ResourcesComponentsAndPatchesInKustomizeOrder) {
  Write("base/kustomization.yaml", "resources: [things.yaml]\n");
  Write("base/things.yaml",
        "kind: Thing\nmetadata: {name: one}\nspec: {size: 1}\n---\n"
        "kind: Thing\nmetadata: {name: two}\nspec: {size: 2}\n");
  Write("component/kustomization.yaml",
        "kind: Component\nresources: [extra.yaml]\n"
        "patches:\n- target: {kind: Thing, name: one}\n  patch: |-\n"
        "    - {op: replace, path: /spec/size, value: 10}\n");
  Write("component/extra.yaml", "kind: Extra\nmetadata: {name: e}\n");
  Write("overlay/kustomization.yaml",
        "resources: [../base]\ncomponents: [../component]\npatches:\n- path: patch.yaml\n");
  Write("overlay/patch.yaml",
        "kind: Thing\nmetadata: {name: one}\nspec: {size: 11}\n---\n"
        "kind: Thing\nmetadata: {name: two}\n$patch: delete\n");
  absl::StatusOr<std::vector<YAML::Node>> built = BuildKustomization(root_ / "overlay");
  ASSERT_TRUE(built.ok()) << built.status();
  std::vector<std::string> seen;
  for (const YAML::Node& object : *built) seen.push_back(FlowText(object));
  EXPECT_THAT(seen, ElementsAre("{kind: Thing, metadata: {name: one}, spec: {size: 11}}",
                                "{kind: Extra, metadata: {name: e}}"));
}

TEST_F(BuildTest, AnUnmodeledTransformerIsAnErrorNotIgnored) {
  Write("k/kustomization.yaml", "namePrefix: x-\nresources: []\n");
  absl::StatusOr<std::vector<YAML::Node>> built = BuildKustomization(root_ / "k");
  EXPECT_EQ(built.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(built.status().message()), HasSubstr("namePrefix"));
}

TEST_F(BuildTest, APatchOfAMissingObjectIsAnError) {
  Write("k/kustomization.yaml", "resources: []\npatches: [{path: p.yaml}]\n");
  Write("k/p.yaml", "kind: Thing\nmetadata: {name: nope}\n");
  EXPECT_EQ(BuildKustomization(root_ / "k").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ingest
