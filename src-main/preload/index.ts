// The preload of the main window: exposes `window.api` (see bridge.ts) and nothing else.
import { contextBridge, ipcRenderer } from 'electron';
import { exposeBridge } from './bridge';

exposeBridge({ contextBridge, ipcRenderer });
