/** The app's address of a group (direct conversations are `/chat/<peer id>`). */
export function groupPath(conversationId: string): string {
  return `/group/${encodeURIComponent(conversationId)}`;
}
