import { kafkajsClass } from './kafkajsInternals';

/** The part of kafkajs's per-connection request queue (src/network/requestQueue) this file relies on. */
interface RequestQueue {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests(): void;
}

/**
 * Stops kafkajs 2.2.4 from spinning a 1 ms timer on every connection it ever had an answer on.
 *
 * After each answer its request queue schedules a check of the requests it holds back (for the
 * broker's throttling); with none held back and no throttling the delay it computes is negative,
 * the timer fires after 1 ms, the check schedules the next, and so on for the life of the
 * connection (tulios/kafkajs#1556 and #1704; the fix, #1667, was never released). A server at
 * rest woke 1,700 times a second (strace: epoll_pwait) and used 4-7% of a core doing it.
 *
 * The check is needed only while a request is held back: an answer and a new request each check
 * the queue themselves, and a request held back by throttling arms the timer when it is queued.
 * So the timer is left out when nothing is held back and the broker throttles nothing. Only the
 * version whose code this was read from is changed; another is left as it is.
 */
export function quietRequestQueueTimer(): boolean {
  const proto = kafkajsClass<RequestQueue & { quieted?: boolean }>('src/network/requestQueue')?.prototype;
  if (!proto) return false;
  if (proto.quieted) return true;
  const schedule = proto.scheduleCheckPendingRequests;
  proto.scheduleCheckPendingRequests = function (this: RequestQueue) {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    schedule.call(this);
  };
  proto.quieted = true;
  return true;
}
