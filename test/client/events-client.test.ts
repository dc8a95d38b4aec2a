import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type EventsApiEmulator, EventsApiError, type EventsClient as EventsClientType } from "../../src/client/events-client.js";
import { EventsClient, isTerminalEvent } from "../../src/client/events-client.js";
import {
  type EventDetail,
  EventDetailSchema,
  EventsPageSchema,
  formatSystemTime,
  type StructureRun,
  StructureRunResourceSchema,
} from "../../src/index.js";
import { startEmulator, within } from "../runtime/emulator-harness.js";
