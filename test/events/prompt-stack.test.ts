import { describe, expect, it } from "vitest";
import {
  EventBus,
  type PromptStack,
  PromptStackSchema,
  StartPromptEventSchema,
  toArtifact,
  toPromptStack,
} from "../../src/index.js";
import { refused } from "../support/refused.js";

const HEX32 = /^[0-9a-f]{32}$/;

function text(value: string) {
  return {
    type: "TextMessageContent",
    artifact: {
      type: "TextArtifact",
      id: expect.stringMatching(HEX32),
      reference: null,
      meta: {},
      name: expect.stringMatching(HEX32),
      value,
    },
  };
}

const EMPTY_USAGE = { type: "Usage", input_tokens: null, output_tokens: null };

describe("toPromptStack", () => {
  it("builds the framework's shape from {role, content} pairs", () => {
    const stack: PromptStack = toPromptStack([
      { role: "system", content: "You are terse." },
      { role: "user", content: "What is 2+3?" },
    ]);
    expect(stack).toEqual({
      type: "PromptStack",
      messages: [
        { type: "Message", role: "system", content: [text("You are terse.")], usage: EMPTY_USAGE },
        { type: "Message", role: "user", content: [text("What is 2+3?")], usage: EMPTY_USAGE },
      ],
    });
    expect(Object.keys(stack.messages[0]!)).toEqual(["type", "role", "content", "usage"]);
    const artifact = (stack.messages[0]!.content[0] as { artifact: { id: string; name: string } }).artifact;
    expect(artifact.name).toBe(artifact.id);
  });

  it("takes an artifact, or a list of strings, artifacts and message contents, as content", () => {
    const answer = toArtifact("Five");
    const stack = toPromptStack([
      { role: "assistant", content: answer },
      { role: "user", content: ["a", answer, { type: "TextMessageContent", artifact: answer }] },
    ]);
    expect(stack.messages[0]!.content).toEqual([{ type: "TextMessageContent", artifact: answer }]);
    expect(stack.messages[1]!.content).toEqual([
      text("a"),
      { type: "TextMessageContent", artifact: answer },
      { type: "TextMessageContent", artifact: answer },
    ]);
  });

  it("expands a ListArtifact into its items' contents, as the framework's add_message does", () => {
    const list = toArtifact(["a", ["b"]]);
    const stack = toPromptStack([{ role: "user", content: list }]);
    expect(stack.messages[0]!.content).toEqual([text("a"), text("b")]);
  });

  it("refuses another artifact as content, as the framework does: a TextMessageContent holds a TextArtifact", () => {
    for (const content of [toArtifact({ a: 1 }), toArtifact(true), [toArtifact(new Error("e"))]]) {
      const error = refused(() => toPromptStack([{ role: "user", content: content as never }]));
      expect(error.issues[0]!.path).toEqual(["messages", 0, "content", 0, "artifact", "type"]);
      expect(error.message).toContain("TextArtifact");
    }
    const json = { type: "TextMessageContent", artifact: toArtifact({ a: 1 }) };
    expect(refused(() => toPromptStack([{ role: "user", content: [json as never] }])).reason).toBe("schema");
  });

  it("keeps a message's usage and fills what it leaves out", () => {
    const stack = toPromptStack([{ role: "assistant", content: "Five", usage: { output_tokens: 1 } }]);
    expect(stack.messages[0]!.usage).toEqual({ type: "Usage", input_tokens: null, output_tokens: 1 });
  });

  it("passes the framework's other message contents through as given", () => {
    const call = {
      type: "ActionCallMessageContent",
      artifact: { type: "ActionArtifact", value: { tag: "call_1", name: "Calculator", path: "add", input: {} } },
    } as const;
    const stack = toPromptStack([{ role: "assistant", content: [call] }]);
    expect(stack.messages[0]!.content).toEqual([call]);
  });

  it("throws InvalidEventError naming the path of what is wrong", () => {
    expect(refused(() => toPromptStack([{ role: "user", content: 5 as never }])).issues[0]!.path).toEqual([
      "messages",
      0,
      "content",
    ]);
    expect(refused(() => toPromptStack([{ content: "hi" } as never])).issues[0]!.path).toEqual(["messages", 0, "role"]);
    const extra = refused(() => toPromptStack([{ role: "user", content: "hi", name: "bob" } as never]));
    expect(extra.reason).toBe("unknown_field");
    expect(extra.issues[0]!.path).toEqual(["messages", 0, "name"]);
    // A bad artifact given as shorthand content is reported inside the content it became.
    const artifact = { ...toArtifact("x"), id: "nope" };
    expect(refused(() => toPromptStack([{ role: "user", content: artifact }])).issues[0]!.path).toEqual([
      "messages",
      0,
      "content",
      0,
      "artifact",
      "id",
    ]);
    expect(
      refused(() => toPromptStack([{ role: "user", content: [{ type: "PictureContent" }] as never }])).reason,
    ).toBe("schema");
  });
});

describe("a StartPromptEvent's prompt stack at publish", () => {
  it("the README's shorthand (string content) is expanded to what the framework reads", () => {
    const bus = new EventBus();
    const event = bus
      .publishEvent({
        type: "StartPromptEvent",
        model: "m",
        prompt_stack: { messages: [{ role: "user", content: "hi" }] },
      })
      .toEvent();
    expect(event).toMatchObject({
      prompt_stack: {
        type: "PromptStack",
        messages: [{ type: "Message", role: "user", content: [text("hi")], usage: EMPTY_USAGE }],
      },
    });
    // What was sent parses with the schema unchanged: it is already in the framework's shape.
    const reparsed = StartPromptEventSchema.parse(structuredClone(event));
    expect(JSON.stringify(reparsed)).toBe(JSON.stringify(event));
  });

  it("an empty prompt stack is filled, a missing one refused", () => {
    expect(PromptStackSchema.parse({})).toEqual({ type: "PromptStack", messages: [] });
    const bus = new EventBus();
    const error = refused(() => bus.publishEvent({ type: "StartPromptEvent", model: "m" } as never));
    expect(error.issues[0]!.path).toEqual(["prompt_stack"]);
    expect(error.message).toContain("toPromptStack");
  });
});
