import * as pulumi from "@pulumi/pulumi";
import { Homework } from "../config";
import { HomeworkContext } from "./homework";
import { patroniHa } from "./patroniHa";
import { greenplumPxf } from "./greenplumPxf";
import { partitions } from "./partitions";
import { cdcDatavault } from "./cdcDatavault";
import { patroniCdc } from "./patroniCdc";

type Composition = (ctx: HomeworkContext) => Record<string, pulumi.Input<unknown>>;

/** Homework name → composition; a homework without one fails before anything is created. */
export const COMPOSITIONS: Partial<Record<Homework, Composition>> = {
  "patroni-ha": patroniHa,
  "greenplum-pxf": greenplumPxf,
  partitions,
  "cdc-datavault": cdcDatavault,
  "patroni-cdc": patroniCdc,
};
