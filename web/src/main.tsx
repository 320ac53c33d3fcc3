import { render } from 'preact';
import { boot } from './actions.ts';
import { App } from './components/App.tsx';
import './styles.css';

render(<App />, document.getElementById('app')!);
void boot();
