// The URN of every resource a running lab holds (type chain + name), per homework and image source, as recorded in
// urns.json. A changed URN makes `pulumi up` of an existing stack delete the old resource and create a new one (a
// container restarted, a volume emptied): keep a resource's name, type and parent when code moves, or give it an
// alias (`aliases: [{ name: "<old name>" }]`) and record the new URN here on purpose.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { HOMEWORKS, parseLabConfig } from "../config";
import { IMAGE_SOURCES } from "../components/core/labImages";
import { composeLab } from "./compose";
import { rawConfig } from "../tests/testbed/rawConfig";
import { runMocked } from "../tests/testbed/mockLab";

const RECORDED: Record<string, string[]> = JSON.parse(fs.readFileSync(path.join(__dirname, "urns.json"), "utf8"));
/** `urn:pulumi:<stack>::<project>::<type chain>::<name>` without the stack and project the mocks make up. */
const typeAndName = (urn: string) => urn.split("::").slice(2).join("::");

describe("program: every URN a running lab holds stays as recorded (program/urns.json)", () => {
  it("records every homework under both image sources", () => {
    assert.deepStrictEqual(Object.keys(RECORDED).sort(), IMAGE_SOURCES.flatMap((s) => HOMEWORKS.map((h) => `${s}/${h}`)).sort());
  });
  for (const source of IMAGE_SOURCES) {
    for (const hw of HOMEWORKS) {
      it(`${source}/${hw}`, async () => {
        const run = await runMocked(() => composeLab(parseLabConfig(rawConfig({ homeworks: [hw], imageSource: source }))));
        const now = run.resources.map((r) => typeAndName(r.urn)).sort();
        const recorded = [...(RECORDED[`${source}/${hw}`] ?? [])].sort();
        const gone = recorded.filter((u) => !now.includes(u)), added = now.filter((u) => !recorded.includes(u));
        assert.deepStrictEqual({ gone, added }, { gone: [], added: [] }, "a URN changed: alias the old one, or record the new one in program/urns.json");
      });
    }
  }
});
