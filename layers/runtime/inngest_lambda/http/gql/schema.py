"""The schema: a subset of Inngest's dev-server schema, same names, types and nullability, so
queries written against Inngest validate here unchanged. Fields Inngest has and we do not are
unknown here: asking for one is a GraphQL validation error naming it. The mutations are Inngest
Cloud's `pauseFunction` / `unpauseFunction` (the dev server has none); `fnID` is the function's
id as this deployment lists it (Inngest Cloud's is a UUID), and the `Workflow` they answer has
the fields of Cloud's that apply here."""

from __future__ import annotations

import functools
from typing import Any

SDL = """
scalar Time
scalar Bytes

type Query {
  event(query: EventQuery!): Event
  run(runID: String!): FunctionRunV2
  runTrigger(runID: String!): RunTraceTrigger!
  runTrace(runID: String!): RunTraceSpan!
  runTraceSpanOutputByID(outputID: String!): RunTraceSpanOutput!
  functionRun(query: FunctionRunQuery!): FunctionRun
}

type Mutation {
  pauseFunction(fnID: ID!, cancelRunning: Boolean): Workflow!
  unpauseFunction(fnID: ID!): Workflow!
}

type Workflow {
  id: ID!
  name: String!
  isPaused: Boolean!
}

input EventQuery {
  workspaceId: ID! = "local"
  eventId: ID!
}

input FunctionRunQuery {
  workspaceId: ID! = "local"
  functionRunId: ID!
}

type Event {
  id: ID!
  name: String
  createdAt: Time
  payload: String
  raw: String
  totalRuns: Int
  functionRuns: [FunctionRun!]
}

enum FunctionRunStatus {
  COMPLETED
  FAILED
  CANCELLED
  RUNNING
  QUEUED
  SKIPPED
}

type FunctionRun {
  id: ID!
  functionID: String!
  status: FunctionRunStatus
  startedAt: Time
  finishedAt: Time
  output: String
  eventID: ID!
}

type FunctionRunV2 {
  id: ID!
  functionID: String!
  queuedAt: Time!
  startedAt: Time
  endedAt: Time
  status: FunctionRunStatus!
  triggerIDs: [ID!]!
  eventName: String
  isBatch: Boolean!
  output: Bytes
  trace: RunTraceSpan
}

enum RunTraceSpanStatus {
  FAILED
  QUEUED
  RUNNING
  COMPLETED
  WAITING
  CANCELLED
}

enum StepOp {
  INVOKE
  RUN
  SLEEP
  WAIT_FOR_EVENT
  AI_GATEWAY
}

type RunTraceSpan {
  runID: ID!
  spanID: String!
  name: String!
  status: RunTraceSpanStatus!
  attempts: Int
  duration: Int
  outputID: String
  queuedAt: Time!
  startedAt: Time
  endedAt: Time
  childrenSpans: [RunTraceSpan!]!
  stepOp: StepOp
  stepID: String
  isRoot: Boolean!
}

type RunTraceSpanOutput {
  input: Bytes
  data: Bytes
  error: StepError
}

type StepError {
  message: String!
  name: String
  stack: String
}

type RunTraceTrigger {
  eventName: String
  IDs: [ID!]!
  payloads: [Bytes!]!
  timestamp: Time!
  isBatch: Boolean!
  batchID: ID
  cron: String
}
"""


@functools.cache
def executable_schema() -> Any:
    import ariadne

    from inngest_lambda.http.gql import mutations, resolvers

    return ariadne.make_executable_schema(SDL, resolvers.query(), mutations.mutation())
