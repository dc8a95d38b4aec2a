import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { actionInput, splitToolName, toolActionDict } from "../../src/adapters/tool-action.js";

describe("splitToolName: Griptape's native tool names", () => {
  it.each([
    ["Calculator_calculate", "Calculator", "calculate"],
    ["Calculator_add", "Calculator", "add"],
    ["get_current_weather", "get", "current_weather"],
    ["Clock", "Clock", null],
    ["_x", "", "x"],
    ["x_", "x", ""],
  ])("%s → name %j, path %j (split on the first _ only)", (toolName, name, path) => {
    expect(splitToolName(toolName)).toEqual({ name, path });
  });

  it("joins back to the native name, as Python's to_native_tool_name does", () => {
    fc.assert(
      fc.property(fc.string(), (toolName) => {
        const { name, path } = splitToolName(toolName);
        expect(path === null ? name : `${name}_${path}`).toBe(toolName);
        expect(name.includes("_")).toBe(false);
      }),
    );
  });
});

describe("the ActionsSubtask's record of a call", () => {
  it("nests the input under values, unless it already is", () => {
    expect(actionInput({ a: 2 })).toEqual({ values: { a: 2 } });
    expect(actionInput({ values: { a: 2 } })).toEqual({ values: { a: 2 } });
    expect(actionInput(undefined)).toEqual({ values: {} });
    expect(actionInput("raw")).toEqual({ values: "raw" });
  });

  it("leaves out the keys Python's actions_to_dicts leaves out when empty", () => {
    expect(toolActionDict("call_1", "Calculator_add", { a: 2 })).toEqual({
      tag: "call_1",
      name: "Calculator",
      path: "add",
      input: { values: { a: 2 } },
    });
    expect(Object.keys(toolActionDict("call_2", "Clock", {}))).toEqual(["tag", "name", "input"]);
  });
});
