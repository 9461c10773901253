// Entry point of the dashboard-worker (a stub: this repository ships envman, not the app).
export default {
  async fetch(): Promise<Response> {
    return new Response("dashboard-worker");
  },
};
