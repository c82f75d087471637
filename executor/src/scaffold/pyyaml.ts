/**
 * YAML as PyYAML reads it (Copier's loader): YAML 1.1, where yes/no/on/off are booleans, but not
 * the single letters y/n that the `yaml` package's 1.1 schema also takes.
 */
import {
  type CreateNodeOptions,
  type DocumentOptions,
  type ParseOptions,
  parse,
  type SchemaOptions,
  type Tags,
} from "yaml";

const PYYAML_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PYYAML_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;

/** The 1.1 tags with PyYAML's booleans, plus the caller's own tags. */
export function pyYamlTags(extra: Tags = []) {
  return (tags: Tags): Tags => [
    ...extra,
    ...tags.map((tag) => {
      if (typeof tag !== "object" || tag.tag !== "tag:yaml.org,2002:bool" || !("test" in tag) || !tag.test)
        return tag;
      const truthy = tag.test.test("true");
      return { ...tag, test: truthy ? PYYAML_TRUE : PYYAML_FALSE };
    }),
  ];
}

export const pyYamlOptions = (
  extra: Tags = [],
): ParseOptions & DocumentOptions & SchemaOptions & CreateNodeOptions => ({
  version: "1.1",
  customTags: pyYamlTags(extra),
});

export function parsePyYaml(text: string): unknown {
  return parse(text, pyYamlOptions()) ?? null;
}
