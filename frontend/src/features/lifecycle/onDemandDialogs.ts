/**
 * The lifecycle's dialogs that a message opens on request (see `onDemand`): each loads the first
 * time one opens, not with the app. Render them only while open.
 */
import { onDemand } from '../../components/onDemand';

export const Dialog = onDemand(() => import('./Dialog').then((module) => module.Dialog));
export const EmojiPicker = onDemand(() => import('./EmojiPicker').then((module) => module.EmojiPicker));
export const RevisionsDialog = onDemand(() => import('./RevisionsDialog').then((module) => module.RevisionsDialog));
