import { render } from 'preact';
import { boot } from './session.ts';
import { App } from './components/App.tsx';
import { startServiceWorker } from './pwa.ts';
import './styles.css';
import './search.css';
import './mentions.css';
import './markdown.css';
import './uploads.css';
import './settings.css';
import './integrations.css';

render(<App />, document.getElementById('app')!);
void boot();
startServiceWorker();
