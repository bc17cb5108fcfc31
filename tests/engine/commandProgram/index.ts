// A local.Command whose create/update/delete append to log.txt in `dir`, so the test can read what ran and in
// which order; `word` feeds the environment (a change is an update), `trigger` the triggers (a change replaces).
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";

const cfg = new pulumi.Config("cmd");

const step = new command.local.Command("step", {
  create: `echo "create $LAB_WORD" >> log.txt && echo "created-$LAB_WORD"`,
  update: `echo "update $LAB_WORD after $PULUMI_COMMAND_STDOUT" >> log.txt && echo "updated-$LAB_WORD"`,
  delete: `echo "delete $PULUMI_COMMAND_STDOUT" >> log.txt`,
  dir: cfg.require("dir"),
  environment: { LAB_WORD: cfg.require("word") },
  triggers: [cfg.require("trigger")],
});

export const stdout = step.stdout;
