/**
 * `natter`: Natter from the command line. Exit codes: 0 done, 1 failed (the server said no, the network, a
 * failed `doctor` check), 2 wrong usage. `--help` on every command.
 */
import { Command, CommanderError } from 'commander';
import { doctor, explain, login, post, rooms, search, tail } from './commands.ts';

const program = new Command('natter')
  .description('Natter from the command line: sign in, post, follow rooms live, search, and check the stream path')
  .version('0.1.0')
  .exitOverride()
  .showHelpAfterError('(run with --help for usage)');

program.command('login').argument('<url>', "the server's address, e.g. https://chat.example.com")
  .description('sign in and keep the token in your config directory (mode 0600)')
  .option('-u, --username <name>', 'sign in with a password, read from NATTER_PASSWORD or standard input')
  .option('-t, --token <token>', "use a token you have (e.g. a bot's)")
  .action(login);

program.command('post').argument('<room>').argument('[text]', 'the message; standard input when omitted')
  .description('post a message')
  .option('-r, --reply <id>', 'reply to this message id')
  .option('-f, --file <path...>', 'attach files')
  .option('--json', 'print the posted message as JSON')
  .action(post);

program.command('tail').argument('[rooms...]', 'only these rooms (default: every room you are in)')
  .description('follow rooms live; resumes where the last run stopped')
  .option('--json', 'one JSON object per event and line')
  .action(tail);

program.command('rooms').description('list your rooms and the public ones').option('--json', 'one JSON object per room').action(rooms);

program.command('search').argument('<query>').description('search messages')
  .option('--room <room>', 'in one room').option('--limit <n>', '1-100').option('--json', 'one JSON object per result')
  .action(search);

program.command('doctor').argument('<url>', "the server's address")
  .description('check the event stream path: buffering, compression, HTTP version, idle survival')
  .option('--idle', 'also check that an idle stream outlives the heartbeat')
  .option('--json', 'one JSON object per check')
  .action(async (url: string, opts: { idle?: boolean; json?: boolean }) => {
    process.exitCode = await doctor(url, opts);
  });

try {
  await program.parseAsync();
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2;
  } else {
    const e = explain(err);
    process.stderr.write(`natter: ${e.message}\n`);
    process.exitCode = e.exitCode;
  }
}
