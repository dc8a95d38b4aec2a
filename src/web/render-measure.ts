/**
 * The User Timing measure the page records after each render of new events: from the arrival of the newest event
 * in the batch to the next frame (the batch is on screen). Its `detail` is `{events, ended}`: how many events are
 * shown and whether the run has ended. It is how a test, or DevTools' performance panel, sees how long a run
 * takes to render.
 */
export const RENDER_MEASURE = "sre:events-rendered";
