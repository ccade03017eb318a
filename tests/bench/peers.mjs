// peers.mjs - benchmark 6: the point select of benchmark 2 from Node.js drivers, for context.
// One connection, prepared statement, sequential awaits over random ids (same range).
//
//   node peers.mjs postgres|pg N ROUNDS     (DATABASE_URL set; run from build/bench/node)
const [driver, nArg, roundsArg] = process.argv.slice(2);
const n = Number(nArg || 50000), rounds = Number(roundsArg || 5);
const url = process.env.DATABASE_URL;
const SQL = 'SELECT id, name, qty, price, active, created_at, ref, note FROM items WHERE id = $1';

let seed = 42n;
const ids = [];
for (let i = 0; i < n; i++) {
  // xorshift64*, as bench_db.c, so every side reads the same rows.
  seed ^= seed >> 12n; seed ^= (seed << 25n) & 0xffffffffffffffffn; seed ^= seed >> 27n;
  const r = (seed * 2685821657736338717n) & 0xffffffffffffffffn;
  ids.push(Number(1n + (r % 1000000n)));
}

let query, close;
if (driver === 'postgres') {
  const postgres = (await import('postgres')).default;
  const sql = postgres(url, { max: 1, prepare: true, onnotice: () => {} });
  // The idiomatic tagged template; postgres.js prepares it once per connection.
  query = async (id) => (await sql`SELECT id, name, qty, price, active, created_at, ref, note
                                   FROM items WHERE id = ${id}`)[0];
  close = () => sql.end();
} else if (driver === 'pg') {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  query = async (id) => (await client.query({ name: 'get_item', text: SQL, values: [id] })).rows[0];
  close = () => client.end();
} else {
  console.error('usage: node peers.mjs postgres|pg N ROUNDS');
  process.exit(2);
}

async function loop(count) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const row = await query(ids[i]);
    if (Number(row.id) !== ids[i]) throw new Error('wrong row');
  }
  return count / (Number(process.hrtime.bigint() - t0) / 1e9);
}

await loop(Math.floor(n / 10));
const qps = [];
for (let r = 0; r < rounds; r++) {
  qps.push(await loop(n));
  console.log(`${driver} round ${r + 1}: ${qps[r].toFixed(0)}/s`);
}
qps.sort((a, b) => a - b);
console.log(`RESULT node_qps ${qps[Math.floor(rounds / 2)].toFixed(1)}`);
await close();
