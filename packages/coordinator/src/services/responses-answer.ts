// OpenAI's Responses API, the answer side: a finished AITBC chat job as a Response object, its
// output items (which later requests may name by `item_reference`), or the stream of named events.

import type { JobOutput, ToolCall } from '@aitbc/protocol';
import type { ResponseEcho } from './responses-format.ts';

type Json = Record<string, unknown>;

/** An output item of an earlier Response, as an `item_reference` in a later request names it. */
export type OutputItem = MessageItem | FunctionCallItem;

export interface MessageItem {
  type: 'message';
  id: string;
  status: 'completed' | 'incomplete';
  role: 'assistant';
  content: { type: 'output_text'; text: string; annotations: [] }[];
}

export interface FunctionCallItem {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: 'completed';
}


export interface ResponseHead {
  jobId: string;
  /** Epoch ms. */
  createdAt: number;
  model: string;
  echo: ResponseEcho;
}

/** A finished job's accounting, as the Response reports it. */
export interface Settlement {
  inputTokens: number;
  outputTokens: number;
  /** The answer stopped at max_output_tokens. */
  truncated: boolean;
  receiptId: string;
  /** In AITBC, as formatAmount writes it. */
  price: string;
}

const messageItemId = (jobId: string) => `msg_${jobId}`;
const callItemId = (jobId: string, index: number) => `fc_${jobId}_${index}`;

function messageItem(jobId: string, text: string, status: MessageItem['status']): MessageItem {
  return { type: 'message', id: messageItemId(jobId), status, role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] };
}

function callItem(jobId: string, call: ToolCall, index: number): FunctionCallItem {
  return { type: 'function_call', id: callItemId(jobId, index), call_id: call.id, name: call.function.name, arguments: call.function.arguments, status: 'completed' };
}

/** A job's answer as output items: its text as one message (when there is text), then one item per tool call. */
export function outputItems(jobId: string, output: JobOutput, truncated = false): OutputItem[] {
  const items: OutputItem[] = output.text === '' ? [] : [messageItem(jobId, output.text, truncated ? 'incomplete' : 'completed')];
  (output.tool_calls ?? []).forEach((call, index) => items.push(callItem(jobId, call, index)));
  return items;
}

function responseShell(head: ResponseHead) {
  return {
    id: `resp_${head.jobId}`,
    object: 'response' as const,
    created_at: Math.floor(head.createdAt / 1000),
    model: head.model,
    error: null,
    incomplete_details: null as { reason: 'max_output_tokens' } | null,
    ...head.echo,
    metadata: {},
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    // Truthful: nothing is kept, which is why later turns must send their whole conversation.
    store: false,
    background: false,
    truncation: 'disabled',
    user: null,
  };
}

/** The Response object of a finished job, with an `aitbc` extra (job, receipt, price). */
export function responseObject(head: ResponseHead, output: JobOutput, settlement: Settlement) {
  return {
    ...responseShell(head),
    status: settlement.truncated ? ('incomplete' as const) : ('completed' as const),
    incomplete_details: settlement.truncated ? { reason: 'max_output_tokens' as const } : null,
    output: outputItems(head.jobId, output, settlement.truncated),
    usage: {
      input_tokens: settlement.inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: settlement.outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: settlement.inputTokens + settlement.outputTokens,
    },
    aitbc: { job_id: head.jobId, receipt_id: settlement.receiptId, price: settlement.price },
  };
}

/** One server-sent event: the route writes `event: <event>` and `data: <JSON of data>`. */
export interface ResponseEvent {
  event: string;
  data: Json & { type: string; sequence_number: number };
}

/**
 * The events of one streamed Response, in OpenAI's order: created and in_progress, then the
 * message (opened at the first piece of text), then each tool call, then completed (or
 * incomplete). It counts the text it has sent so that `finish` sends only what is left.
 */
export class ResponseEventEncoder {
  private sequence = 0;
  private sentText = '';
  private messageOpen = false;

  constructor(private readonly head: ResponseHead) {}

  start(): ResponseEvent[] {
    const response = { ...responseShell(this.head), status: 'in_progress', output: [], usage: null };
    return [this.event('response.created', { response }), this.event('response.in_progress', { response })];
  }

  /** A piece of text as the miner streamed it. */
  text(delta: string): ResponseEvent[] {
    if (delta === '') return [];
    const events = this.messageOpen ? [] : this.openMessage();
    this.sentText += delta;
    events.push(this.event('response.output_text.delta', { item_id: messageItemId(this.head.jobId), output_index: 0, content_index: 0, delta, logprobs: [] }));
    return events;
  }

  /** The rest: text the miner did not stream, the tool calls, and the whole Response. */
  finish(output: JobOutput, settlement: Settlement): ResponseEvent[] {
    const events = output.text.length > this.sentText.length ? this.text(output.text.slice(this.sentText.length)) : [];
    const jobId = this.head.jobId;
    if (this.messageOpen) {
      const where = { item_id: messageItemId(jobId), output_index: 0, content_index: 0 };
      const item = messageItem(jobId, output.text, settlement.truncated ? 'incomplete' : 'completed');
      events.push(
        this.event('response.output_text.done', { ...where, text: output.text, logprobs: [] }),
        this.event('response.content_part.done', { ...where, part: item.content[0] }),
        this.event('response.output_item.done', { output_index: 0, item }),
      );
    }
    const first = this.messageOpen ? 1 : 0;
    (output.tool_calls ?? []).forEach((call, index) => {
      const item = callItem(jobId, call, index);
      const where = { item_id: item.id, output_index: first + index };
      events.push(
        this.event('response.output_item.added', { output_index: where.output_index, item: { ...item, arguments: '', status: 'in_progress' } }),
        this.event('response.function_call_arguments.delta', { ...where, delta: item.arguments }),
        this.event('response.function_call_arguments.done', { ...where, name: item.name, arguments: item.arguments }),
        this.event('response.output_item.done', { output_index: where.output_index, item }),
      );
    });
    const response = responseObject(this.head, output, settlement);
    events.push(this.event(settlement.truncated ? 'response.incomplete' : 'response.completed', { response }));
    return events;
  }

  /**
   * The stream's last event when the job fails: OpenAI's error event (code, message, param)
   * around `body`, the error answer the route would have sent (seed envelope + OpenAI `error`).
   */
  error(body: { error: { code: string; message: string; param: string | null } } & Json): ResponseEvent {
    return this.event('error', { ...body, code: body.error.code, message: body.error.message, param: body.error.param });
  }

  private openMessage(): ResponseEvent[] {
    this.messageOpen = true;
    const item = { ...messageItem(this.head.jobId, '', 'completed'), status: 'in_progress', content: [] };
    return [
      this.event('response.output_item.added', { output_index: 0, item }),
      this.event('response.content_part.added', { item_id: item.id, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }),
    ];
  }

  private event(type: string, fields: Json): ResponseEvent {
    return { event: type, data: { type, sequence_number: this.sequence++, ...fields } };
  }
}
