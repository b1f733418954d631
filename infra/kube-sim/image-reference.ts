// Image references as the kubelet parses them before a pull (distribution/reference ParseNormalizedNamed,
// which containerd and the kubelet's applyDefaultImageTag use). The API server accepts any non-blank image;
// a name that does not parse reaches the kubelet, which reports InvalidImageName. Pure.

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);

/** docker.io is implied for a first segment without a dot, a colon or "localhost"; library/ for a bare name. */
function splitDockerDomain(name: string): [domain: string, remainder: string] {
  const i = name.indexOf('/');
  let domain = 'docker.io';
  let remainder = name;
  if (i >= 0) {
    const first = name.slice(0, i);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first.toLowerCase() !== first) {
      domain = first;
      remainder = name.slice(i + 1);
    }
  }
  if (domain === 'docker.io' && !remainder.includes('/')) remainder = `library/${remainder}`;
  return [domain, remainder];
}

/** The parse error, in distribution/reference's words, or undefined when the reference is valid. */
export function imageReferenceError(image: string): string | undefined {
  const [domain, remainder] = splitDockerDomain(image);
  const tagAt = remainder.indexOf(':');
  const remoteName = tagAt >= 0 ? remainder.slice(0, tagAt) : remainder;
  if (remoteName.toLowerCase() !== remoteName) return `invalid reference format: repository name (${remoteName}) must be lowercase`;
  const m = REFERENCE.exec(`${domain}/${remainder}`);
  if (!m) return 'invalid reference format';
  if (m[1].length > 255) return 'repository name must not be more than 255 characters';
  return undefined;
}

/** What the kubelet's InspectFailed event and the InvalidImageName waiting state say. */
export function invalidImageMessage(image: string): string | undefined {
  const err = imageReferenceError(image);
  return err === undefined ? undefined : `Failed to apply default image tag ${JSON.stringify(image)}: couldn't parse image name ${JSON.stringify(image)}: ${err}`;
}
