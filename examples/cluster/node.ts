/**
 * One node of the cluster example (examples/cluster/run.ts starts three):
 *
 *   node --conditions=weft-source --import tsx examples/cluster/node.ts <name> <index> <nodes> [nats-url]
 *
 * Every node declares the virtual actor kind `cart` and opens the channel
 * `jobs`. Every node puts one item in every user's cart (so each cart gets
 * messages from all three processes, and is active on whichever node
 * touched it first), then sends one `checkout` job into `jobs` for each user
 * it owns (user i belongs to node i % nodes). All nodes take jobs from the
 * channel (a worker pool across processes); a job asks the user's cart,
 * wherever it is active, for its items. Each processed job is printed as one
 * JSON line. SIGTERM/SIGINT: leave and exit.
 */
import { main, sleep } from 'weft';
import { Cluster } from 'weft/cluster';
import type { Reply } from 'weft/actor';

type CartMsg = { type: 'add'; item: string } | { type: 'contents'; reply: Reply<{ host: string; items: string[] }> };
type Job = { type: 'checkout'; user: string; from: string };

const [name = 'node-0', index = '0', nodes = '3', url = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222'] =
  process.argv.slice(2);
const USERS = 6;
const ITEMS = ['tea', 'bread', 'cheese', 'apples', 'rice', 'soap'];

await main(async (task) => {
  await using cluster = await Cluster.join({ servers: url, node: name, heartbeatInterval: 500, downAfter: 3000 });
  const cart = cluster.entity<CartMsg, string[]>(
    'cart',
    {
      init: () => [],
      receive: (items, msg) => {
        if (msg.type === 'add') return [...items, msg.item];
        msg.reply.send({ host: cluster.node, items });
        return items;
      },
    },
    { idleTimeout: 60_000 },
  );
  const [jobs, work] = cluster.channel<Job>('jobs', { capacity: 4 });

  // Wait for the other nodes, so every node takes part from the first job on.
  using events = cluster.memberEvents();
  while (cluster.members().length < Number(nodes)) await events.recv({ signal: task.signal });
  console.log(JSON.stringify({ node: name, event: 'ready', members: cluster.members() }));

  // Workers: take jobs, ask the cart (on whichever node it lives) for its contents.
  const worker = (async () => {
    for (;;) {
      const job = await work.recv({ signal: task.signal });
      if (job === undefined) return;
      // The other nodes' items may still be on their way: look again until all three are in.
      let contents = { host: '', items: [] as string[] };
      for (let i = 0; i < 100 && contents.items.length < Number(nodes); i++) {
        if (i > 0) await sleep(100, { signal: task.signal });
        contents = await cart(job.user).ask((reply) => ({ type: 'contents', reply }));
      }
      const { host, items } = contents;
      console.log(
        JSON.stringify({ node: name, event: 'checkout', user: job.user, from: job.from, cartOn: host, items }),
      );
      await sleep(100, { signal: task.signal }); // a slow worker, so jobs spread over the pool
    }
  })();

  // Producer: one item into every user's cart, then the checkout jobs of our own users.
  for (let u = 0; u < USERS; u++) {
    await cart(`user-${u}`).send({ type: 'add', item: `${ITEMS[(u + Number(index)) % ITEMS.length]!}@${name}` });
  }
  await sleep(200, { signal: task.signal }); // let every node's worker join the pool
  for (let u = 0; u < USERS; u++) {
    if (u % Number(nodes) !== Number(index)) continue;
    await jobs.send({ type: 'checkout', user: `user-${u}`, from: name }, { signal: task.signal });
  }
  await worker.catch((e: unknown) => {
    if (!task.signal.aborted) throw e;
  });
});
