/**
 * Container names and ids as Docker makes them: `adjective_surname` from two word lists (our own
 * lists: adjectives of temperament, surnames of people who shaped computing, networking and science)
 * and 64 random hex digits.
 */
import { randomBytes, randomInt } from 'node:crypto';

/** Left halves of generated names. */
export const ADJECTIVES: readonly string[] = [
  'admiring', 'affectionate', 'agile', 'amazing', 'ardent', 'awesome', 'blissful', 'bold', 'boring', 'brave',
  'bright', 'busy', 'calm', 'careful', 'charming', 'cheerful', 'clever', 'cool', 'curious', 'daring',
  'dazzling', 'determined', 'diligent', 'eager', 'earnest', 'elastic', 'elegant', 'epic', 'fervent', 'festive',
  'focused', 'friendly', 'frosty', 'gallant', 'gentle', 'gifted', 'gracious', 'happy', 'hardy', 'hopeful',
  'humble', 'inspiring', 'jolly', 'jovial', 'keen', 'kind', 'laughing', 'lively', 'loyal', 'lucid',
  'magical', 'merry', 'mindful', 'modest', 'musing', 'nifty', 'nimble', 'noble', 'optimistic', 'patient',
  'peaceful', 'pensive', 'playful', 'polite', 'proud', 'quiet', 'quirky', 'radiant', 'relaxed', 'serene',
  'sharp', 'silly', 'sleepy', 'snappy', 'spirited', 'steady', 'stoic', 'sturdy', 'sunny', 'tender',
  'thirsty', 'tidy', 'trusting', 'upbeat', 'vibrant', 'vigilant', 'vivid', 'wizardly', 'witty', 'zealous',
];

/** Right halves of generated names. */
export const SURNAMES: readonly string[] = [
  'agnesi', 'allen', 'babbage', 'backus', 'baran', 'bartik', 'bell', 'berners', 'bohr', 'boole',
  'borg', 'cerf', 'clarke', 'codd', 'conway', 'corbato', 'cray', 'curie', 'dijkstra', 'einstein',
  'engelbart', 'euler', 'faraday', 'feynman', 'floyd', 'franklin', 'galois', 'gauss', 'goldberg', 'hamilton',
  'hamming', 'hawking', 'hellman', 'hertz', 'hoare', 'hopper', 'jacobson', 'johnson', 'kahn', 'kare',
  'karp', 'kay', 'kernighan', 'kleinrock', 'knuth', 'lamarr', 'lamport', 'leakey', 'liskov', 'lovelace',
  'mccarthy', 'meitner', 'merkle', 'metcalfe', 'minsky', 'moore', 'morse', 'napier', 'neumann', 'newton',
  'noether', 'noyce', 'pascal', 'perlman', 'pike', 'postel', 'ramanujan', 'ritchie', 'rivest', 'shamir',
  'shannon', 'sammet', 'stallman', 'sutherland', 'tesla', 'thompson', 'torvalds', 'turing', 'vaughan', 'wilkes',
  'wing', 'wirth', 'wozniak', 'yalow', 'zuse',
];

/**
 * A random `adjective_surname`; with `retry` > 0 a digit is appended, as Docker does when the first
 * pick is taken. Never "boring_wozniak" (Steve Wozniak is not boring: Docker's rule, kept).
 * @param pick random index below n (injectable for tests).
 */
export function randomName(retry = 0, pick: (n: number) => number = randomInt): string {
  for (;;) {
    const name = `${ADJECTIVES[pick(ADJECTIVES.length)]}_${SURNAMES[pick(SURNAMES.length)]}`;
    if (name === 'boring_wozniak') continue;
    return retry > 0 ? `${name}${pick(10)}` : name;
  }
}

/**
 * A new container id: 64 lowercase hex digits from the CSPRNG. As Docker's stringid, an id whose short
 * form is all digits is drawn again: tools would read "123456789012" as a number.
 */
export function newContainerId(random: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(32).toString('hex');
    if (!/^\d{12}/.test(id)) return id;
  }
}
